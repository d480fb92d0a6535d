"""The mobile home screen: a pipeline, its open stages and the deal cards in them."""

from peewee import fn

from core import activity_status
from core import conditional
from core import deals
from core import refs
from core import shapes
from core import visibility
from models import Deal
from models import Pipeline
from models import Stage
from resources.common import read_query
from resources.common import viewer


class PipelineResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp):
        params = read_query(req, "pipeline_query")
        who = viewer(req)
        pipelines = list(
            Pipeline.select()
            .where((Pipeline.organization == who.org_id) & (Pipeline.is_active == True))
            .order_by(Pipeline.order_index, Pipeline.created_at, Pipeline.id)
        )
        if "pipelineId" in params:
            chosen = next((p for p in pipelines if p.id == params["pipelineId"]), None)
            chosen = chosen or refs.pipeline(who, params["pipelineId"])
        else:
            chosen = pipelines[0] if pipelines else None
        data = {
            "pipeline": shapes.named(chosen),
            "pipelines": [shapes.named(p) for p in pipelines],
            "stages": [],
            "deals": [],
        }
        if chosen is not None:
            data["stages"], data["deals"] = self._board(req, who, chosen)
        conditional.send(req, resp, data)

    def _board(self, req, who, pipeline):
        stages = list(
            Stage.select()
            .where((Stage.pipeline == pipeline.id) & (Stage.kind == "open"))
            .order_by(Stage.order_index, Stage.id)
        )
        on_board = (
            visibility.deals(who)
            & (Deal.pipeline == pipeline.id)
            & (Deal.status == "open")
            & Deal.stage.in_([s.id for s in stages])
        )
        totals = {
            stage_id: (count, total or 0)
            for stage_id, count, total in Deal.select(
                Deal.stage, fn.COUNT(Deal.id), fn.SUM(Deal.value)
            )
            .where(on_board)
            .group_by(Deal.stage)
            .tuples()
        }
        now = activity_status.Today(self.clock(), req.context.org.timezone)
        summaries = activity_status.summaries(Deal.select(Deal.id).where(on_board), now)
        stage_rows = [shapes.stage(s, *totals.get(s.id, (0, 0))) for s in stages]
        # One copy of the rows: each card is built as its row comes off the cursor.
        card_rows = [
            shapes.deal_card(card, activity_status.card_fields(summaries.get(card[0]), now))
            for card in deals.card_rows(on_board)
        ]
        return stage_rows, card_rows
