"""The Capacity page with Streamlit's AppTest: settings, the plan in the background, chart, table and download."""

from streamlit.testing.v1 import AppTest

from tests.ui.test_app import APP, button, goto, number, rerun, text, wait_for


def _at(small_app_data, tmp_path, monkeypatch):
    monkeypatch.setenv("SHIFTCAST_APP_DATA", str(small_app_data))
    monkeypatch.setenv("SHIFTCAST_DATA_DIR", str(tmp_path / "store"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def test_capacity_page_makes_a_plan_and_offers_its_table(small_app_data, tmp_path, monkeypatch):
    at = _at(small_app_data, tmp_path, monkeypatch)
    goto(at, "capacity")
    assert any("Make the plan" in i.value for i in at.info)
    number(at, "Weeks to plan").set_value(10)
    button(at, "Make the plan").click()
    rerun(at)
    wait_for(at, lambda: "capacity" in at.session_state)
    assert not at.exception
    plan = at.session_state["capacity"].plan
    t = plan.table
    assert len(t) == 10 * t["channel"].nunique() * (t["site"].nunique())  # each site and the total ("all")
    assert "all" in set(t["site"]) and t["site"].nunique() >= 2
    assert at.selectbox(key="cap_site").options[-1] == "all sites"
    # hires at one site only: the plan is made with capacity.sites, and any class is there
    at.multiselect(key="cap_sites").set_value(["Lisbon"])
    button(at, "Make the plan").click()
    rerun(at)
    wait_for(at, lambda: at.session_state["capacity"].settings.sites == ("Lisbon",))
    assert set(at.session_state["capacity"].plan.classes["site"]) <= {"Lisbon"}
    assert any(m.label == "Smallest weekly gap" for m in at.metric)
    assert at.dataframe, "the capacity table is shown"
    assert any(b.label == "Hires" for b in at.metric)


def test_capacity_page_names_a_bad_setting_and_keeps_nothing(small_app_data, tmp_path, monkeypatch):
    at = _at(small_app_data, tmp_path, monkeypatch)
    goto(at, "capacity")
    number(at, "Overtime rate (x base)").set_value(0.8)
    button(at, "Make the plan").click()
    rerun(at)
    errors = " ".join(e.value for e in at.error)
    assert "capacity.overtime_rate" in errors and "below the base rate" in errors
    assert "capacity" not in at.session_state
    text(at, "Ramp: handle time vs tenured, per week").set_value("1.5, 1.2")
    number(at, "Overtime rate (x base)").set_value(1.5)
    number(at, "Weeks to plan").set_value(4)
    number(at, "Training (weeks at 0%)").set_value(3)
    button(at, "Make the plan").click()
    rerun(at)
    errors = " ".join(e.value for e in at.error)
    assert "capacity.ramp_aht_multiplier" in errors and "longer than the 4-week horizon" in errors
