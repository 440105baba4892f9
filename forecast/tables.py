"""Every table the pipeline reads or writes: its columns in order, each with its unit and meaning.

This is the one place that says what a table holds. It lives in ``forecast/``,
the bottom layer, so that every layer can use it: the forecast's own writers
(forecast.csv, accuracy.csv) as well as the roster's (requirements.csv,
roster.csv, shifts.csv, roster_deputy.csv, coverage.csv, simulation.csv), the app's Export page and the
readers of a stage's output (:func:`forecast.io.stage_tables.load_output_table`
callers). ``data/samples/README.md`` lists the same columns (a test keeps the
two equal).

Timestamps are tz-aware UTC at the start of the interval in memory and ISO
8601 with ``Z`` in the files; units: ``s`` seconds, ``h`` hours, ``share`` a
fraction in [0, 1], ``contacts`` a count of contacts (a mean where forecast or
simulated), ``agents`` a number of agents.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Column:
    """One column: its name, its unit ("" for text, flags and identifiers) and what it means."""

    name: str
    unit: str
    meaning: str


@dataclass(frozen=True)
class Table:
    """A table: its file name (or, for one kept in memory only, its name), what a row is, and its columns in order."""

    name: str
    row: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names in order."""
        return tuple(c.name for c in self.columns)

    def pick(self, *names: str) -> list[str]:
        """``names`` as a list, after checking each is a column of this table (for readers that need only some)."""
        unknown = [n for n in names if n not in self.names]
        if unknown:
            raise KeyError(f"{self.name} has no column {', '.join(unknown)}")
        return list(names)

    def order(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with exactly this table's columns, in order.

        A frame with no columns and no rows (e.g. the accuracy of a run
        without a backtest) becomes an empty table with the columns.

        Raises
        ------
        ValueError
            When ``df`` lacks one of the columns or has one the table does not
            list: a writer and this module disagree, which is a bug to fix here
            or in the writer, not bad input.
        """
        if len(df.columns) == 0 and len(df) == 0:
            return pd.DataFrame(columns=list(self.names))
        missing = [c for c in self.names if c not in df.columns]
        extra = [c for c in df.columns if c not in self.names]
        if missing or extra:
            raise ValueError(
                f"{self.name}: the frame does not match forecast/tables.py"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; not listed {', '.join(map(str, extra))}" if extra else "")
            )
        return df[list(self.names)]


HISTORY = Table(
    "history",
    "one per queue, customer zone and interval (as the history loader returns it)",
    (
        Column("channel", "", "voice, chat, email or social"),
        Column("queue", "", "the queue (of exactly one channel); the channel's name when the history has no queue column"),
        Column("tz", "", "the customers' IANA time zone"),
        Column("ds", "UTC", "interval start"),
        Column("volume", "contacts", "contacts that arrived in the interval"),
        Column("aht_s", "s", "average handle time of those contacts; empty when none arrived"),
    ),
)

EVENTS = Table(
    "events",
    "one per event occurrence and scope cell (channel or queue, zone), as the event loaders return it",
    (
        Column("event", "", "the event's name"),
        Column("kind", "", "a slug: holiday, flash_sale, promotion, outage, ..."),
        Column("channel", "", "the channel it affects"),
        Column("queue", "", "the queue of the channel it affects; empty: every queue of the channel"),
        Column("tz", "", "the customer zone it affects"),
        Column("start", "UTC", "first instant of the event"),
        Column("end", "UTC", "end of the event (exclusive)"),
        Column("lower_window", "days", "days of ramp before the event (<= 0)"),
        Column("upper_window", "days", "days of tail after the event (>= 0)"),
        Column("uplift", "multiplier", "planned volume multiplier; empty to learn it from past events of the kind"),
        Column("source", "", "where the row comes from: the user's file or a rule (holidays, retail events)"),
    ),
)

FORECAST = Table(
    "forecast.csv",
    "one per interval, queue and customer zone over the horizon",
    (
        Column("ds", "UTC", "interval start"),
        Column("channel", "", "the channel"),
        Column("queue", "", "the queue (the channel's name when the history has no queues)"),
        Column("tz", "", "the customers' IANA time zone"),
        Column("volume", "contacts", "expected contacts (the mean forecast)"),
        Column("volume_lo", "contacts", "10% quantile of the contacts"),
        Column("volume_hi", "contacts", "90% quantile of the contacts"),
        Column("aht_s", "s", "forecast average handle time"),
        Column("model", "", "the model that made this interval's forecast"),
        Column("event_volume", "contacts", "contacts due to events and holidays, included in volume"),
        Column("events", "", "names of the events in effect, separated by '; '"),
    ),
)

ACCURACY = Table(
    "accuracy.csv",
    "one per queue, customer zone, model (and auto) and horizon bucket (and all) of the backtest",
    (
        Column("channel", "", "the channel"),
        Column("queue", "", "the queue (the channel's name when the history has no queues)"),
        Column("tz", "", "the customers' IANA time zone"),
        Column("model", "", "the model scored, or auto (the best per series and bucket)"),
        Column("horizon", "", "day-ahead, week-ahead, month-ahead or all"),
        Column("wape", "share", "sum of absolute errors over actual contacts"),
        Column("mase", "ratio", "mean absolute error over the seasonal naive one's in sample (below 1: better than last week)"),
        Column("bias", "share", "mean error over mean actual (+ over-, - under-forecast)"),
        Column("coverage_80", "share", "actuals inside the raw 10-90% band"),
        Column("coverage_80_calibrated", "share", "actuals inside the calibrated band, out of sample"),
        Column("band_factor", "multiplier", "the band's scaling so that it holds 80% in the backtest"),
        Column("origins", "count", "backtest origins scored"),
        Column("n", "intervals", "intervals scored"),
        Column("actual", "contacts", "actual contacts over the intervals scored"),
        Column("chosen", "", "True where the final forecast uses this model for the series and bucket"),
        Column("fit_predict_s", "s", "seconds the model took over every origin for the series"),
    ),
)

REQUIREMENTS = Table(
    "requirements.csv",
    "one per interval and channel",
    (
        Column("ds", "UTC", "interval start"),
        Column("channel", "", "the channel"),
        Column("volume", "contacts", "mean forecast contacts, customer zones summed (the demand a simulation replays)"),
        Column("aht_s", "s", "average handle time"),
        Column("agents_net", "agents", "agents needed on the channel"),
        Column("agents_net_exact", "agents", "agents on the channel before rounding (the deferred programme's fractional value)"),
        Column("agents_required", "agents", "agents to schedule: agents_net / (1 - shrinkage), rounded up"),
        Column("target_sl", "share", "the channel's service level target"),
        Column("target_s", "s", "the target's answer time"),
        Column("predicted_sl", "share", "service level predicted with agents_net"),
        Column("predicted_asa_s", "s", "predicted average speed of answer"),
        Column("predicted_abandon_rate", "share", "predicted abandonment (Erlang A)"),
        Column("predicted_occupancy", "share", "predicted agent occupancy"),
        Column("backlog", "contacts", "deferred work waiting at the end of the interval (email, social)"),
        Column("shrinkage", "share", "paid time not available for contacts"),
        Column("model", "", "the staffing model: erlang_c, erlang_a, chat or deferred"),
        Column("volume_staffed", "contacts", "the volume the staffing was computed for (the mean or a quantile)"),
    ),
)

#: requirements_by_queue.csv: each queue staffed on its own (its target, its handle time); requirements.csv's rows
#: are their sums per channel (see roster.staffing.requirements)
REQUIREMENTS_BY_QUEUE = Table(
    "requirements_by_queue.csv",
    "one per interval and queue (one queue per channel, named as the channel, when the history has no queues)",
    REQUIREMENTS.columns[:2]
    + (Column("queue", "", "the queue"),)
    + tuple(
        Column(c.name, c.unit, c.meaning.replace("the channel's", "the queue's").replace("on the channel", "on the queue"))
        for c in REQUIREMENTS.columns[2:]
    ),
)

ROSTER = Table(
    "roster.csv",
    "one per activity: shift stretches (one per channel), breaks and lunches",
    (
        Column("agent_id", "", "the agent"),
        Column("site_tz", "", "the agent's site IANA time zone"),
        Column("local_date", "", "the shift's local date at the site (YYYY-MM-DD)"),
        Column("activity", "", "shift, break or lunch"),
        Column("channel", "", "the channel worked (for a pause: that of the stretch it interrupts)"),
        Column("start_utc", "UTC", "start"),
        Column("end_utc", "UTC", "end (exclusive)"),
        Column("start_local", "site time", "start, ISO 8601 with the site's offset"),
        Column("end_local", "site time", "end, ISO 8601 with the site's offset"),
        Column("paid_h", "h", "paid time of a shift row (unpaid lunch excluded); empty on pauses"),
        Column("shift_id", "", "agent_id-local_date: groups a shift's rows"),
    ),
)

SHIFTS = Table(
    "shifts.csv",
    "one per shift (an agent's local day of work): roster.csv's rows of the shift joined",
    (
        Column("agent_id", "", "the agent"),
        Column("name", "", "the agent's name (agents.csv; empty when not given)"),
        Column("site", "", "the agent's site"),
        Column("site_tz", "", "the site's IANA time zone"),
        Column("local_date", "", "the shift's local date at the site (YYYY-MM-DD)"),
        Column("start_local", "site time", "start, ISO 8601 with the site's offset"),
        Column("end_local", "site time", "end (exclusive), ISO 8601 with the site's offset"),
        Column("start_utc", "UTC", "start"),
        Column("end_utc", "UTC", "end (exclusive)"),
        Column("paid_h", "h", "paid time (unpaid lunch excluded): the sum of the shift's rows in roster.csv"),
        Column("breaks_local", "site time", "the breaks as HH:MM-HH:MM site local times, separated by '; '"),
        Column("lunch_local", "site time", "the lunch as HH:MM-HH:MM site local time; empty without one"),
        Column("channels", "", "the channels worked, in the order first worked, separated by '|'"),
        Column("channel_switches", "count", "changes of channel inside the shift"),
        Column("shift_id", "", "agent_id-local_date, as in roster.csv"),
    ),
)

#: roster_deputy.csv: the columns of Deputy's "bulk import schedules" CSV template (help.deputy.com, "Bulk import
#: schedules and timesheets"), spelt as Deputy spells them; dates YYYY-MM-DD and times HH:MM:SS in the site's local time.
DEPUTY = Table(
    "roster_deputy.csv",
    "one per shift, as Deputy's schedule import reads it",
    (
        Column("First Name", "", "the agent's name but its last word (the agent id when agents.csv gives no name); Deputy shows it only"),
        Column("Last Name", "", "the last word of the agent's name; Deputy shows it only"),
        Column("Email", "", "the agent's email (agents.csv); Deputy matches the employee on it (empty: Deputy makes an empty shift)"),
        Column("Start Date", "site date", "the shift's start date, YYYY-MM-DD"),
        Column("Start Time", "site time", "the shift's start time, HH:MM:SS"),
        Column("End Date", "site date", "the shift's end date, YYYY-MM-DD"),
        Column("End Time", "site time", "the shift's end time, HH:MM:SS"),
        Column("Location", "", "the agent's site (a Deputy location of that name must exist)"),
        Column("Area", "", "the channel the shift works most (an area of that name must exist at the location)"),
        Column("Meal Break (Mins)", "min", "the lunch's minutes (0 without a lunch)"),
        Column("Meal Break Start Date", "site date", "the lunch's start date; empty without a lunch"),
        Column("Meal Break Start Time", "site time", "the lunch's start time; empty without a lunch"),
        Column("Meal Break End Date", "site date", "the lunch's end date; empty without a lunch"),
        Column("Meal Break End Time", "site time", "the lunch's end time; empty without a lunch"),
        Column("Rest Break Start Date", "site date", "the first break's start date (the template holds one; every break is in Comment)"),
        Column("Rest Break Start Time", "site time", "the first break's start time"),
        Column("Rest Break End Date", "site date", "the first break's end date"),
        Column("Rest Break End Time", "site time", "the first break's end time"),
        Column("Comment", "", "agent id, the channels by stretch and every break, site local times"),
        Column("Published", "", "No: the planner publishes the shifts in Deputy after the import"),
        Column("Open", "", "No: each shift is the agent's"),
    ),
)

#: coverage.csv; the coverage in memory (RosterResult.coverage) holds the first four columns, the writer adds short and over
COVERAGE = Table(
    "coverage.csv",
    "one per interval and channel of the roster week(s)",
    (
        Column("ds", "UTC", "interval start"),
        Column("channel", "", "the channel"),
        Column("required", "agents", "agents required (agents_required)"),
        Column("scheduled", "agents", "agents rostered on the channel, those on a break or lunch excluded (on average over the "
                                      "interval where the roster places shifts on a finer resolution than the plan's grid)"),
        Column("short", "agents", "required - scheduled where positive"),
        Column("over", "agents", "scheduled - required where positive"),
    ),
)

SIMULATION = Table(
    "simulation.csv",
    "one per interval and channel of the roster week(s), averaged over the simulated runs",
    (
        Column("ds", "UTC", "interval start"),
        Column("channel", "", "the channel"),
        Column("offered", "contacts", "contacts that arrived"),
        Column("answered", "contacts", "contacts answered"),
        Column("abandoned", "contacts", "contacts that hung up before an answer"),
        Column("answered_in_target", "contacts", "contacts answered within target_s"),
        Column("service_level", "share", "answered in target over offered less censored; the interval's expected service level"),
        Column("asa_s", "s", "average speed of answer"),
        Column("occupancy", "share", "agents' busy time over their time at work"),
        Column("backlog", "contacts", "contacts waiting at the end of the interval"),
        Column("agents", "agents", "agents at work on the channel (rostered less shrinkage)"),
        Column("target_sl", "share", "the channel's service level target"),
        Column("target_s", "s", "the target's answer time"),
        Column("model", "", "the staffing model of the channel"),
        Column("censored", "contacts", "contacts still waiting at the end whose target time is not up (outcome unknown)"),
        Column("service_level_se", "share", "Monte Carlo standard error of service_level (empty with one run)"),
    ),
)

PENALTIES = Table(
    "penalties",
    "one per part of the roster's objective (printed by shiftcast roster, shown by the app)",
    (
        Column("penalty", "", "the part's name: understaffing, paid hours, or a soft rule"),
        Column("count", "as unit", "how much of it the roster has"),
        Column("unit", "", "what count counts (agent-intervals short, hours, agent-days, ...)"),
        Column("cost", "objective", "its weight x count, in the objective's units"),
    ),
)

#: the actuals file (input): a contact-centre platform's interval report, as :func:`forecast.io.actuals.read_actuals` returns it
ACTUALS = Table(
    "actuals",
    "one per interval and channel that happened (an interval report; an interval with no row is unknown, not zero)",
    (
        Column("ds", "UTC", "interval start"),
        Column("channel", "", "voice, chat, email or social"),
        Column("offered", "contacts", "contacts that arrived in the interval"),
        Column("answered", "contacts", "of those, contacts an agent answered"),
        Column("abandoned", "contacts", "of those, contacts that hung up (or left the chat) before an answer"),
        Column("answered_in_target", "contacts", "of the answered, those answered within the channel's target_s (targets.toml)"),
        Column("aht_s", "s", "average handle time of the answered contacts; empty when none was answered"),
        Column("agents_staffed", "agents", "agents logged in on the channel, on average over the interval"),
    ),
)

#: the actuals file's optional columns (read when present): the waits, from which the calibration estimates patience
ACTUALS_WAITS = Table(
    "actuals (optional columns)",
    "as actuals; either column may be left out or empty",
    (
        Column("asa_s", "s", "average speed of answer: mean time the answered contacts waited in the queue"),
        Column("abandon_time_s", "s", "mean time the abandoned contacts waited before they hung up"),
    ),
)

#: staffing_backtest.csv (``shiftcast calibrate``): the queueing model's service level against what happened
STAFFING_BACKTEST = Table(
    "staffing_backtest.csv",
    "one per interval and channel of the actuals scored (queue channels with contacts offered)",
    (
        Column("ds", "UTC", "interval start"),
        Column("channel", "", "the channel"),
        Column("offered", "contacts", "contacts that arrived"),
        Column("agents_staffed", "agents", "agents logged in on the channel on average"),
        Column("observed_sl", "share", "answered_in_target over offered"),
        Column("predicted_sl_default", "share", "service level the channel's model predicts with every agent staffed available and the targets' patience_s"),
        Column("predicted_sl_calibrated", "share", "service level predicted with agents_staffed x the fitted availability and the fitted patience"),
        Column("observed_abandon_rate", "share", "abandoned over offered"),
        Column("predicted_abandon_rate_default", "share", "abandonment the uncalibrated model predicts"),
        Column("predicted_abandon_rate_calibrated", "share", "abandonment the calibrated model predicts"),
        Column("band", "", "the time-of-day band whose availability was used (all: the channel's one figure)"),
    ),
)

CAPACITY = Table(
    "capacity.csv",
    "one per week, channel and site of the capacity plan (shiftcast capacity), plus one per week and channel totalling the sites (site = all)",
    (
        Column("week", "", "week of the horizon, 1 = the first 7 days after the history"),
        Column("week_start", "UTC", "the week's first instant"),
        Column("channel", "", "the channel"),
        Column("site", "", "the site (its agents and its hires), or all: the channel's total over the sites"),
        Column("required_net_fte", "FTE", "agent-hours needed on the channel (interval staffing summed) / full-time weekly hours"),
        Column("required_fte", "FTE", "paid FTE required: required_net_fte x (1 + scheduling_overhead) / (1 - shrinkage)"),
        Column("tenured_fte", "FTE", "today's agents' FTE on the channel after attrition (multi-skilled agents shared out)"),
        Column("new_hire_fte", "FTE", "the plan's hires' productive FTE: 0 in training, 1 / handle-time multiplier while ramping, after attrition"),
        Column("available_fte", "FTE", "tenured_fte + new_hire_fte"),
        Column("overtime_fte", "FTE", "overtime the plan uses, in FTE (overtime_h / full-time weekly hours)"),
        Column("overtime_h", "h", "overtime hours the plan uses"),
        Column("gap_fte", "FTE", "available_fte + overtime_fte - required_fte: never below 0 unless the plan cannot cover the week"),
        Column("hires_start", "agents", "new hires starting that week (a hiring class: one channel at one site)"),
        Column("requisitions_open", "agents", "hires whose requisition must open that week (hiring_lead_weeks before they start)"),
        Column("new_hires", "agents", "the plan's hires employed that week, after attrition (training, ramping and productive)"),
        Column("hire_cost", "currency", "the plan's hires' wages that week, plus cost_per_hire for each hire starting"),
        Column("overtime_cost", "currency", "overtime_h x the channel's agents' hourly cost x overtime_rate"),
        Column("cost", "currency", "hire_cost + overtime_cost (today's agents' wages, the same under any plan, are left out)"),
        Column("overtime_only_fte", "FTE", "overtime needed to cover the week without hiring, uncapped"),
        Column("overtime_only_cost", "currency", "the cost of that overtime"),
    ),
)

#: agents.csv's columns, as recommended_agents.csv writes them (roster.io.load_agents reads either)
AGENTS_FILE = Table(
    "recommended_agents.csv",
    "one per agent to add (a new agent_id) or to change (an agent_id of the team: the row replaces the agent's)",
    (
        Column("agent_id", "", "the agent's id (new agents: HIRE-001, TEMP-001, ...)"),
        Column("name", "", "the agent's name"),
        Column("email", "", "the agent's email, if any"),
        Column("site", "", "the site"),
        Column("site_tz", "IANA", "the site's time zone"),
        Column("contract", "", "the contract (overtime: <contract>_overtime; temporary agents: temp)"),
        Column("skills", "", "channels (and the queues the agents file named) separated by |"),
        Column("earliest_start", "local HH:MM", "earliest shift start, site time (empty: the contract's)"),
        Column("latest_start", "local HH:MM", "latest shift start, site time (empty: the contract's)"),
        Column("preferred_days_off", "", "weekdays preferred off (mon|tue), if any"),
    ),
)

#: recommendations.csv: what closes the roster's gap (roster.planning.recommend)
RECOMMENDATIONS = Table(
    "recommendations.csv",
    "one per recommended addition, in the order they were applied (each after the ones before it)",
    (
        Column("rank", "", "the order they were applied in (1 = first)"),
        Column("kind", "", "overtime, cross_training, temp or hire"),
        Column("recommendation", "", "what to do, for people"),
        Column("agents", "agents", "agents it adds or changes"),
        Column("agent_ids", "", "their rows in recommended_agents.csv, separated by |"),
        Column("removed_agent_h", "agent-h", "shortfall it removes after the ones before it (the coverage programme on the team with it)"),
        Column("cost", "currency", "its cost over the roster's weeks (paid hours at the agent's rate; overtime hours at the overtime rate; a training once)"),
        Column("currency", "", "the rules' currency (empty: cost units)"),
        Column("paid_h", "h", "paid hours of the agents it adds over the roster's weeks (0 for existing agents)"),
        Column("overtime_h", "h", "overtime hours it asks of existing agents over the roster's weeks"),
        Column("short_after_agent_h", "agent-h", "the roster's shortfall predicted after it and every one before it"),
        Column("expected_sl_after", "share", "simulated service level per channel after it (channel=share, separated by |)"),
    ),
)

#: The files ``shiftcast plan`` writes (besides roster.ics), in the order it writes them.
OUTPUT_TABLES: tuple[Table, ...] = (FORECAST, ACCURACY, REQUIREMENTS, REQUIREMENTS_BY_QUEUE, ROSTER, SHIFTS, DEPUTY, COVERAGE, SIMULATION)


# --------------------------------------------------------------------------- #
# Intraday (``shiftcast reforecast``): not part of a plan's folder
# --------------------------------------------------------------------------- #

#: reforecast.csv: forecast.csv's columns, the rest of today and the next day updated by today's actuals
REFORECAST = Table(
    "reforecast.csv",
    "one per interval, queue and customer zone from the reforecast's time to the end of the next local day",
    FORECAST.columns,
)

REFORECAST_FACTORS = Table(
    "reforecast_factors.csv",
    "one per channel and customer zone: how today's actuals changed its forecast",
    (
        Column("channel", "", "the channel"),
        Column("tz", "", "the customers' IANA time zone"),
        Column("day_start", "UTC", "local midnight starting today (the zone the day is counted in)"),
        Column("now", "UTC", "the time the reforecast is made at: actuals before it, reforecast from it"),
        Column("actual_so_far", "contacts", "contacts seen today before now (for the channel when the actuals give no zone)"),
        Column("forecast_so_far", "contacts", "contacts forecast for the same intervals"),
        Column("ratio", "ratio", "actual_so_far / forecast_so_far; empty when nothing was forecast"),
        Column("weight", "share", "the ratio's weight: persistence x forecast_so_far / (forecast_so_far + prior_contacts)"),
        Column("factor", "multiplier", "the rest of today's forecast is multiplied by it: 1 + weight x (ratio - 1)"),
        Column("factor_next_day", "multiplier", "the next local day's multiplier: 1 + next_day_keep x (factor - 1)"),
        Column("aht_factor", "multiplier", "handle time multiplier from the actuals' handle times (1 without them)"),
        Column("contacts_timed", "contacts", "contacts so far with a handle time (behind aht_factor)"),
        Column("forecast_rest_of_day", "contacts", "contacts forecast from now to local midnight"),
        Column("reforecast_rest_of_day", "contacts", "the same, reforecast"),
    ),
)

INTRADAY = Table(
    "intraday.csv",
    "one per interval and channel from the reforecast's time to the end of the roster or the next local day",
    (
        Column("ds", "UTC", "interval start"),
        Column("channel", "", "the channel"),
        Column("volume_forecast", "contacts", "contacts in the plan's forecast (customer zones summed)"),
        Column("volume", "contacts", "contacts reforecast"),
        Column("aht_s", "s", "handle time reforecast"),
        Column("required_plan", "agents", "agents to schedule in the plan (requirements.csv)"),
        Column("required", "agents", "agents to schedule for the reforecast (after shrinkage, rounded up)"),
        Column("rostered", "agents", "agents the roster puts on the channel, breaks and lunches excluded"),
        Column("short", "agents", "required - rostered where positive"),
        Column("over", "agents", "rostered - required where positive"),
        Column("expected_sl", "share", "service level expected with the rostered agents (less shrinkage) and the reforecast, "
                                       "simulated; for email and social the share answered within target"),
        Column("rostered_after", "agents", "agents on the channel once the suggested actions are taken"),
        Column("expected_sl_after", "share", "service level expected with rostered_after"),
        Column("target_sl", "share", "the channel's service level target"),
        Column("actions", "", "what to do here: the actions (intraday_actions.csv) that change this interval, separated by '; '"),
    ),
)

INTRADAY_ACTIONS = Table(
    "intraday_actions.csv",
    "one per suggested change to today's roster, most urgent first",
    (
        Column("action", "", "overtime (extend a shift), move_break (to a later or earlier time within its window) or go_early"),
        Column("agent_id", "", "the agent"),
        Column("name", "", "the agent's name (agents.csv; empty when not given)"),
        Column("channel", "", "the channel it helps (overtime: served; go_early: left; move_break: the shift's channel)"),
        Column("local_date", "", "the shift's local date at the site"),
        Column("start_utc", "UTC", "start of the time changed (overtime worked, break's new start, time sent home)"),
        Column("end_utc", "UTC", "its end (exclusive)"),
        Column("start_local", "site time", "start, ISO 8601 with the site's offset"),
        Column("end_local", "site time", "end, ISO 8601 with the site's offset"),
        Column("minutes", "min", "minutes of work added (overtime), moved (break) or given back (go_early)"),
        Column("from_utc", "UTC", "move_break: the break's rostered start; empty otherwise"),
        Column("agent_h", "h", "agent-hours short covered (overtime, move_break) or paid hours given back where over (go_early)"),
        Column("reason", "", "why, in words: the intervals short or over and by how much"),
    ),
)

#: The files ``shiftcast reforecast`` writes, in order (intraday.csv and intraday_actions.csv only with ``--plan``).
INTRADAY_TABLES: tuple[Table, ...] = (REFORECAST, REFORECAST_FACTORS, INTRADAY, INTRADAY_ACTIONS)


#: event_service_level.csv (``shiftcast whatif``): the event's own intervals, the base roster and the adopted one
EVENT_SERVICE_LEVEL = Table(
    "event_service_level.csv",
    "one per interval of a what-if event and channel it affects",
    (
        Column("ds", "UTC", "interval start"),
        Column("channel", "", "the channel"),
        Column("offered", "contacts", "contacts that arrive with the event (simulated, mean over the runs)"),
        Column("sl_before", "share", "simulated service level of the base roster against the event's demand"),
        Column("sl_after", "share", "simulated service level of the adopted roster against the event's demand"),
        Column("target_sl", "share", "the channel's service level target"),
        Column("agents_before", "agents", "agents the base roster puts on the channel (breaks excluded)"),
        Column("agents_after", "agents", "agents the adopted roster puts on the channel (breaks excluded)"),
        Column("required_before", "agents", "agents required without the event"),
        Column("required_after", "agents", "agents required with the event"),
    ),
)
