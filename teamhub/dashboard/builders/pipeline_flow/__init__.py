"""How initiatives flow through the pipeline: mix, time in stage, WIP."""

from teamhub.dashboard.builders.pipeline_flow import (  # noqa: F401
    mix,
    stage_time,
    wip,
)
