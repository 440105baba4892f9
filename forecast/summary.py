"""Headline figures of a forecast, per channel, and the backtest's accuracy per model: what the CLI and the app print."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from forecast.pipeline import ForecastResult


class ChannelForecast(BaseModel):
    """One channel's forecast over the horizon, customer zones summed."""

    model_config = ConfigDict(frozen=True)

    channel: str = Field(description="the channel")
    contacts: float = Field(description="expected contacts over the horizon")
    contacts_from_events: float = Field(description="of which due to events and holidays")
    peak_contacts: float = Field(description="expected contacts in the busiest interval, all zones")
    models: tuple[str, ...] = Field(description="the models used on the channel's series, sorted")


class ForecastSummary(BaseModel):
    """A forecast's horizon and totals, one summary per channel, and the backtest's WAPE per model."""

    model_config = ConfigDict(frozen=True)

    start: dt.datetime = Field(description="first interval's start, UTC")
    end: dt.datetime = Field(description="last interval's start, UTC")
    contacts: float = Field(description="expected contacts over the horizon, all channels")
    channels: tuple[ChannelForecast, ...] = Field(description="one summary per channel, in channel order")
    backtest_wape: dict[str, float] = Field(
        description="per model, the WAPE over every series and horizon weighted by actual contacts (a share); empty without a backtest"
    )

    @property
    def backtested(self) -> bool:
        """False when the forecast had no backtest: models not chosen by accuracy, 10-90% bands not calibrated."""
        return bool(self.backtest_wape)


def forecast_summary(result: ForecastResult) -> ForecastSummary:
    """Summarise ``result``'s forecast and accuracy tables."""
    fc = result.forecast
    peaks = fc.groupby(["channel", "ds"])["volume"].sum().groupby("channel").max()
    channels = tuple(
        ChannelForecast(
            channel=channel,
            contacts=float(g["volume"].sum()),
            contacts_from_events=float(g["event_volume"].sum()),
            peak_contacts=float(peaks[channel]),
            models=tuple(sorted(g["model"].unique())),
        )
        for channel, g in fc.groupby("channel")
    )
    wape: dict[str, float] = {}
    acc = result.accuracy
    if len(acc):
        acc = acc[acc["horizon"] == "all"]
        wape = {str(m): float((g["wape"] * g["actual"]).sum() / g["actual"].sum()) for m, g in acc.groupby("model")}
    return ForecastSummary(start=fc["ds"].min(), end=fc["ds"].max(), contacts=float(fc["volume"].sum()), channels=channels, backtest_wape=wape)
