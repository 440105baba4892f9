import streamlit as st

from forecast.io import iso_utc
from roster.export import roster_calendar, roster_table
from ui.app import state

st.title("Export")
inp = state.ensure_inputs()
if inp is None or not state.need("forecast", "Run the forecast (and build a roster) first."):
    st.stop()


def csv(df) -> bytes:
    df = df.copy()
    for col in df.columns:
        if str(df[col].dtype).startswith("datetime64") and "UTC" in str(df[col].dtype):
            df[col] = iso_utc(df[col])
    return df.to_csv(index=False).encode()


fc = st.session_state["forecast"]
st.download_button("forecast.csv", csv(fc.forecast), "forecast.csv", "text/csv")
st.download_button("accuracy.csv", csv(fc.accuracy), "accuracy.csv", "text/csv")
st.download_button("requirements.csv", csv(st.session_state["requirements"]), "requirements.csv", "text/csv")
res = st.session_state.get("roster")
if res is None:
    st.info("Build a roster (Roster page) to export it.")
else:
    st.download_button("roster.csv", roster_table(res.roster).to_csv(index=False).encode(), "roster.csv", "text/csv", type="primary")
    cov = res.coverage.assign(short=(res.coverage["required"] - res.coverage["scheduled"]).clip(lower=0))
    st.download_button("coverage.csv", csv(cov), "coverage.csv", "text/csv")
    st.download_button("roster.ics (all agents)", roster_calendar(res.roster), "roster.ics", "text/calendar")
    agent = st.selectbox("One agent's calendar", sorted(res.roster["agent_id"].unique()))
    st.download_button(f"{agent}.ics", roster_calendar(res.roster, agent), f"{agent}.ics", "text/calendar")
