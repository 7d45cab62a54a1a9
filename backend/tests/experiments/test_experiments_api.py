"""The experiments API: plan, create, schedule, adherence, result, stop, delete."""

from __future__ import annotations

import datetime as dt
import re

from glucolens.core.timeutil import local_today
from tests.experiments.helpers import backdate, write_trace

BASE = "/api/v1/insights/experiments"


def body(**kw):
    out = {
        "title": "Walk after dinner",
        "intervention": "walk 15 minutes after dinner",
        "outcome": "window_mean",
        "window_start": "19:00",
        "window_end": "23:00",
        "target_effect": 15,
    }
    return {**out, **kw}


def test_plan_without_history_says_it_uses_a_population_default(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    params = {"outcome": "window_mean", "window_start": "19:00", "window_end": "23:00",
              "target_effect": 15}  # fmt: skip
    r = client.get("/api/v1/insights/experiment-plan", params=params, headers=headers)
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["noise"]["from_history"] is False
    assert "typical person" in plan["noise"]["note"]
    assert plan["days_needed"] % 4 == 0 and plan["days_needed"] >= 24
    powers = [p["power"] for p in plan["power_curve"]]
    assert powers == sorted(powers)


def test_create_draws_pairs_with_one_block_of_each(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    r = client.post(BASE, json=body(planned_days=40, block_days=3), headers=headers)
    assert r.status_code == 201, r.text
    exp = r.json()
    assert exp["planned_days"] == 42  # rounded up to whole pairs of 3-day blocks
    labels = [d["assignment"] for d in exp["days"]]
    assert len(labels) == 42
    for k in range(0, 42, 6):
        pair = labels[k : k + 6]
        assert sorted(set(pair[:3])) != sorted(set(pair[3:]))
        assert len(set(pair[:3])) == 1 and len(set(pair[3:])) == 1
    assert exp["status"] == "running"
    assert exp["today"]["assignment"] == labels[0]
    assert exp["result"]["status"] == "not_enough_days"
    assert exp["result"]["verdict"].startswith("Not enough days yet")


def test_a_second_running_experiment_is_409(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    assert client.post(BASE, json=body(), headers=headers).status_code == 201
    r = client.post(BASE, json=body(), headers=headers)
    assert r.status_code == 409
    assert "already have an experiment running" in r.json()["error"]["message"]


def test_window_outcome_without_a_window_is_422_naming_it(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    r = client.post(BASE, json=body(window_start=None), headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "window_start"


def test_too_few_days_is_422_saying_the_least(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    r = client.post(BASE, json=body(planned_days=10), headers=headers)
    assert r.status_code == 422
    assert "24 to 240 days" in r.json()["error"]["message"]


def test_start_in_the_past_is_422(client, make_user, auth_headers):
    user = make_user(timezone="Pacific/Auckland")
    yesterday = local_today(user.timezone) - dt.timedelta(days=1)
    r = client.post(BASE, json=body(start_date=yesterday.isoformat()), headers=auth_headers(user))
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "start_date"


def test_adherence_marks_today_not_the_future(client, make_user, auth_headers):
    user = make_user(timezone="America/New_York")
    headers = auth_headers(user)
    exp = client.post(BASE, json=body(), headers=headers).json()
    url = f"{BASE}/{exp['id']}/adherence"
    today = local_today(user.timezone)
    r = client.put(url, json={"day": today.isoformat(), "followed": False}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["days"][0]["followed"] is False
    assert r.json()["adherence"]["not_followed_days"] == 0  # today is not over yet
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    r = client.put(url, json={"day": tomorrow, "followed": True}, headers=headers)
    assert r.status_code == 422 and "has not come yet" in r.json()["error"]["message"]
    r = client.put(url, json={"day": "2020-01-01", "followed": True}, headers=headers)
    assert r.status_code == 422 and "not a day of this experiment" in r.json()["error"]["message"]
    r = client.put(url, json={"day": today.isoformat(), "followed": None}, headers=headers)
    assert r.json()["days"][0]["followed"] is None


def _finished_experiment(client, db, user, headers, effect_mgdl, day_sd=0.0, **kw):
    exp = client.post(BASE, json=body(planned_days=48, **kw), headers=headers).json()
    start, schedule = backdate(db, exp["id"], 48)
    write_trace(db, user, start, schedule, exp["block_days"], effect_mgdl, day_sd=day_sd)
    r = client.get(f"{BASE}/{exp['id']}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_planted_effect_is_found_with_its_interval(client, make_user, auth_headers, db):
    user = make_user(timezone="Europe/London")
    got = _finished_experiment(client, db, user, auth_headers(user), effect_mgdl=25.0, day_sd=4)
    res = got["result"]
    assert got["status"] == "complete" and res["final"] is True
    assert res["status"] == "helped", res
    assert res["ci_low"] < -25 < res["ci_high"] < 0
    assert re.match(
        r"Helped: mean glucose 19:00-23:00 was 2\d mg/dL lower on intervention "
        r"days \(95% CI \d+ to \d+ mg/dL lower\)",
        res["verdict"],
    ), res["verdict"]
    assert res["pairs_used"] == 12


def test_no_effect_gives_no_clear_effect(client, make_user, auth_headers, db):
    user = make_user()
    got = _finished_experiment(client, db, user, auth_headers(user), effect_mgdl=0.0)
    assert got["result"]["status"] == "no_clear_effect"
    assert got["result"]["verdict"].startswith("No clear effect")
    assert "includes no change" in got["result"]["verdict"]


def test_mmol_user_sees_mmol(client, make_user, auth_headers, db):
    user = make_user(unit="mmol/L")
    got = _finished_experiment(
        client, db, user, auth_headers(user), effect_mgdl=25.0, target_effect=0.8
    )
    assert got["unit"] == "mmol/L"
    assert abs(got["target_effect"] - 0.8) < 0.01
    assert abs(got["result"]["difference"] + 25 / 18.0182) < 0.05
    assert "1.4 mmol/L lower" in got["result"]["verdict"]


def test_stop_ends_it_and_a_second_stop_is_409(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    exp = client.post(BASE, json=body(), headers=headers).json()
    r = client.post(f"{BASE}/{exp['id']}/stop", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "stopped"
    assert r.json()["today"]["assignment"] is None
    assert r.json()["result"]["final"] is True
    assert client.post(f"{BASE}/{exp['id']}/stop", headers=headers).status_code == 409
    # ended: a new one may start
    assert client.post(BASE, json=body(), headers=headers).status_code == 201


def test_delete_removes_it(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    exp = client.post(BASE, json=body(), headers=headers).json()
    assert client.delete(f"{BASE}/{exp['id']}", headers=headers).status_code == 204
    assert client.get(f"{BASE}/{exp['id']}", headers=headers).status_code == 404
    assert client.get(BASE, headers=headers).json()["items"] == []


def test_another_users_experiment_is_404(client, make_user, auth_headers):
    exp = client.post(BASE, json=body(), headers=auth_headers(make_user())).json()
    other = auth_headers(make_user())
    assert client.get(f"{BASE}/{exp['id']}", headers=other).status_code == 404
    assert client.delete(f"{BASE}/{exp['id']}", headers=other).status_code == 404


def test_no_route_shadows_the_nightscout_experiments_path(app):
    # GET /api/v1/experiments/test is Nightscout's write-access check (uploaders call it);
    # an /api/v1/experiments/{id} route included before it would answer 422 instead.
    ours = [p for p in app.openapi()["paths"] if "experiment" in p and "nightscout" not in p]
    assert "/api/v1/experiments/test" in ours  # the Nightscout route itself
    assert [p for p in ours if p.startswith("/api/v1/experiments")] == ["/api/v1/experiments/test"]
