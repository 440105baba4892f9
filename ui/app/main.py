"""Shiftcast planner app: ``shiftcast app`` (or ``streamlit run ui/app/main.py``).

Each page starts with ``state.page_setup()`` (results of finished background
steps, the data, the sidebar), so a page also works when run on its own.
"""

import streamlit as st

st.set_page_config(page_title="Shiftcast planner", page_icon=":material/support_agent:", layout="wide")

pages = [
    st.Page("pages/data.py", title="Data", icon=":material/database:", default=True),
    st.Page("pages/forecast.py", title="Forecast", icon=":material/show_chart:"),
    st.Page("pages/whatif.py", title="What-if", icon=":material/bolt:"),
    st.Page("pages/staffing.py", title="Staffing", icon=":material/groups:"),
    st.Page("pages/calibration.py", title="Calibration", icon=":material/tune:"),
    st.Page("pages/roster.py", title="Roster", icon=":material/calendar_month:"),
    st.Page("pages/export.py", title="Export", icon=":material/download:"),
    st.Page("pages/today.py", title="Today", icon=":material/today:"),
    st.Page("pages/capacity.py", title="Capacity", icon=":material/trending_up:"),
]
st.navigation(pages).run()
