"""Headline figures of a staffing requirement, per channel: what ``shiftcast staff`` prints."""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field


class ChannelStaffing(BaseModel):
    """One channel's requirement over the horizon. NaN = not available."""

    model_config = ConfigDict(frozen=True)

    channel: str = Field(description="the channel")
    contacts: float = Field(description="mean forecast contacts over the horizon")
    agent_h: float = Field(description="agent-hours to schedule (agents_required x interval hours)")
    peak_agents: int = Field(description="most agents to schedule in one interval")
    predicted_sl: float = Field(description="predicted service level weighted by contacts, a share; NaN without contacts")
    target_sl: float = Field(description="the channel's service level target, a share")


class StaffingSummary(BaseModel):
    """Per channel, in channel order: contacts, agent-hours, peak agents, predicted service level and target."""

    model_config = ConfigDict(frozen=True)

    channels: tuple[ChannelStaffing, ...] = Field(description="one summary per channel")


def staffing_summary(requirements: pd.DataFrame, interval_h: float) -> StaffingSummary:
    """Summarise ``requirements`` (as :func:`roster.staffing.requirements.required_staff` returns them).

    Parameters
    ----------
    requirements : DataFrame
        ``ds, channel, volume, agents_required, predicted_sl, target_sl`` per interval and channel.
    interval_h : float
        The requirements' interval in hours.
    """
    channels = []
    for channel, g in requirements.groupby("channel"):
        contacts = float(g["volume"].sum())
        channels.append(
            ChannelStaffing(
                channel=channel,
                contacts=contacts,
                agent_h=float(g["agents_required"].sum() * interval_h),
                peak_agents=int(g["agents_required"].max()),
                predicted_sl=float((g["predicted_sl"] * g["volume"]).sum() / contacts) if contacts else float("nan"),
                target_sl=float(g["target_sl"].iloc[0]),
            )
        )
    return StaffingSummary(channels=tuple(channels))
