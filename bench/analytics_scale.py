"""(f) The fairness statistics at scale, beside an in-process reference on the same rows.

On the loaded stack, for the whole cycle (every rating of the tenant: 2,000,000 by default):

1. Strata: `/api/v1/analytics/fairness/{raters,standardised,reliability}?cycle_id=…`, one
   client at a time, straight at analytics: first each endpoint once, in that order, on a
   freshly started analytics (cold: the first call reads the cycle's ratings once, the
   next two reuse them), then best of `repeat` (warm: the ratings cache holds the cycle);
   then the same through the gateway (warm). Analytics' RSS before, its peak, right after,
   and idle (once the cache's idle time has passed and it has let the cycle go).
2. The reference: the same columns of the same rows read from the same database into pandas
   (PostgreSQL `COPY … TO STDOUT (FORMAT csv)` through asyncpg, then `pandas.read_csv`; on
   SQLite `pandas.read_sql_query`), strings factorised to integer codes; then the same
   figures computed with pandas and with DuckDB (reading the pandas frame in place):
   the anonymity filter (groups and items with at least k raters, supervisors always),
   rater bias, normalisation (shrunk norms, standardised scores), reliability (ICC per
   relationship, r_wg(J) and Krippendorff's alpha, interval and ordinal, per group, group
   means of the standardised scores). Load and compute are timed apart (best of `repeat`).
3. A few figures of Strata's answers are checked against the reference (the wire carries
   unrounded float64: agreement means |Strata - reference| <= 1e-9).
4. Ratios: Strata (each endpoint's best, summed, direct and through the gateway) over the
   reference's load + compute, and over its compute alone; issue 14's targets: warm <= 2x
   the fastest compute-only, cold <= 1x pandas load + compute, analytics peak <= 400 MiB
   and idle <= 150 MiB.
"""

import asyncio
import io
import os
import sqlite3
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import asyncpg
import httpx
import numpy as np
import pandas as pd
from sqlalchemy.engine import make_url

from bench.analytics_stats import (
    DUCK_BIAS,
    DUCK_NORMALISE,
    DUCK_RELIABILITY_GROUPS,
    DUCK_RELIABILITY_ICC,
    DUCK_SUMMARY,
    SCALE,
    K,
    pandas_bias,
    pandas_normalise,
    pandas_reliability,
)
from bench.stack import BenchStack

ENDPOINTS = ("raters", "standardised", "reliability")
TIMEOUT_SECONDS = 900
COLUMNS = [
    "rater_key",
    "relationship",
    "campaign_id",
    "ratee_id",
    "competency_id",
    "item_id",
    "value",
    "anonymity_threshold",
]
TOLERANCE = 1e-9
"""Strata's answers are unrounded float64: agreement to 1e-9 (sums in another order)."""
CACHE_IDLE_SECONDS = float(os.environ.get("ANALYTICS_RATINGS_CACHE_IDLE_SECONDS", "120"))
"""Analytics' `ratings_cache_idle_seconds` (its sweep runs every quarter of it)."""
PEAK_MAX_MIB = 400
IDLE_MAX_MIB = 150


def run(
    stack: BenchStack,
    *,
    tenant_id: str,
    cycle_id: str,
    ratings: int,
    api_key: dict[str, str],
    token: dict[str, str],
    repeat: int = 3,
) -> dict[str, Any]:
    memory_before = stack.memory()["analytics"]
    started = time.monotonic()
    strata, answers = _strata(stack, cycle_id, api_key, token, repeat)
    memory_after = stack.memory()["analytics"]

    load_s, (frame, labels) = _best(repeat, lambda: _load(stack, tenant_id, cycle_id))
    print(f"bench: reference load {load_s:.2f} s ({len(frame):,} rows)", flush=True)
    pandas_s, pandas_out = _best(repeat, partial(pandas_compute, frame))
    print(f"bench: pandas compute {pandas_s:.2f} s", flush=True)
    duckdb_s, duckdb_out = _best(repeat, partial(duckdb_compute, frame))
    print(f"bench: duckdb compute {duckdb_s:.2f} s", flush=True)
    checks = _checks(answers, pandas_out, duckdb_out, labels)
    rows = len(frame)
    del frame, pandas_out, duckdb_out
    # Idle: the cache lets the cycle go once unused for its idle time (its sweep runs every
    # quarter of that), and gives the memory back.
    time.sleep(max(0.0, CACHE_IDLE_SECONDS * 1.25 + 5 - (time.monotonic() - started)))
    memory_idle = stack.memory()["analytics"]

    direct_total = sum(s["direct"]["best_s"] for s in strata.values())
    gateway_total = sum(s["gateway"]["best_s"] for s in strata.values())
    cold_total = sum(s["cold"]["best_s"] for s in strata.values())
    reference = {
        "load_s": round(load_s, 3),
        "pandas_compute_s": round(pandas_s, 3),
        "duckdb_compute_s": round(duckdb_s, 3),
        "load_method": "asyncpg COPY csv + pandas.read_csv"
        if stack.backend == "postgres"
        else "pandas.read_sql_query",
    }
    fastest = min(pandas_s, duckdb_s)
    ratios = {
        "direct_vs_fastest_load_compute": round(direct_total / (load_s + fastest), 3),
        "gateway_vs_fastest_load_compute": round(gateway_total / (load_s + fastest), 3),
        "direct_vs_fastest_compute": round(direct_total / fastest, 3),
        "gateway_vs_fastest_compute": round(gateway_total / fastest, 3),
        "direct_vs_pandas_load_compute": round(direct_total / (load_s + pandas_s), 3),
        "direct_vs_duckdb_load_compute": round(direct_total / (load_s + duckdb_s), 3),
        "cold_vs_pandas_load_compute": round(cold_total / (load_s + pandas_s), 3),
    }
    memory = {"before": memory_before, "after": memory_after, "idle": memory_idle}
    return {
        "kind": "analytics_scale",
        "title": "(f) fairness statistics, whole cycle",
        "ratings": rows,
        "ratings_loaded": ratings,
        "repeat": repeat,
        "strata": strata,
        "strata_total_s": {
            "cold": round(cold_total, 3),
            "direct": round(direct_total, 3),
            "gateway": round(gateway_total, 3),
        },
        "analytics_memory": memory,
        "reference": reference,
        "ratios": ratios,
        "issue_14_targets": _targets(ratios, memory),
        "checks": checks,
    }


def _targets(ratios: dict[str, float], memory: dict[str, Any]) -> list[dict[str, Any]]:
    peak = memory["idle"]["peak_rss_mib"]
    idle = memory["idle"]["rss_mib"]
    rows = [
        ("warm, all three (direct) <= 2x the fastest compute-only",
         ratios["direct_vs_fastest_compute"], ratios["direct_vs_fastest_compute"] <= 2),
        ("cold, all three (first calls) <= 1x pandas load + compute",
         ratios["cold_vs_pandas_load_compute"], ratios["cold_vs_pandas_load_compute"] <= 1),
        (f"analytics peak RSS <= {PEAK_MAX_MIB} MiB", peak, peak <= PEAK_MAX_MIB),
        (f"analytics idle RSS after the bench <= {IDLE_MAX_MIB} MiB", idle, idle <= IDLE_MAX_MIB),
    ]  # fmt: skip
    for target, measured, met in rows:
        print(f"bench: target {target}: {measured} {'met' if met else 'NOT met'}", flush=True)
    return [{"target": t, "measured": m, "met": ok} for t, m, ok in rows]


def _strata(
    stack: BenchStack, cycle_id: str, api_key: dict[str, str], token: dict[str, str], repeat: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each endpoint cold (first calls, in order), then warm direct and through the gateway."""
    strata: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    paths = {name: f"/api/v1/analytics/fairness/{name}?cycle_id={cycle_id}" for name in ENDPOINTS}
    cold = {name: _timed(stack.url("analytics") + paths[name], token, 1) for name in ENDPOINTS}
    for name in ENDPOINTS:
        direct = _timed(stack.url("analytics") + paths[name], token, repeat)
        gateway = _timed(stack.url() + paths[name], api_key, repeat)
        answers[name] = direct.pop("body")
        gateway.pop("body")
        first = cold[name]
        if first.pop("body") != answers[name]:
            raise SystemExit(f"bench: {name} answered differently cold and warm")
        strata[name] = {"cold": first, "direct": direct, "gateway": gateway}
        print(f"bench: fairness {name}: {strata[name]}", flush=True)
    return strata, answers


def _timed(url: str, headers: dict[str, str], repeat: int) -> dict[str, Any]:
    times: list[float] = []
    statuses: list[int] = []
    body: Any = None
    size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = httpx.get(url, headers=headers, timeout=TIMEOUT_SECONDS)
        times.append(round(time.perf_counter() - started, 3))
        statuses.append(response.status_code)
        size = len(response.content)
        if response.status_code == 200:
            body = response.json()
    if body is None:
        raise SystemExit(f"bench: {url} answered {statuses}: {response.text[:300]}")
    return {"best_s": min(times), "runs_s": times, "status": statuses, "bytes": size, "body": body}


def _best(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = np.inf, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


# --- the reference: load ---------------------------------------------------------------------


def _load(stack: BenchStack, tenant_id: str, cycle_id: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The rows of the cycle as a frame of integer codes, and the labels of the codes."""
    url = stack.database_url("analytics")
    tenant_id, cycle_id = str(uuid.UUID(tenant_id)), str(uuid.UUID(cycle_id))  # ids only
    where = f"tenant_id = '{tenant_id}' AND cycle_id = '{cycle_id}'"
    if url.startswith("postgresql"):
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        query = f"SELECT {', '.join(COLUMNS)} FROM rating_fact WHERE {where}"  # noqa: S608

        async def copy() -> io.BytesIO:
            conn = await asyncpg.connect(dsn)
            try:
                buffer = io.BytesIO()
                await conn.copy_from_query(query, output=buffer, format="csv")
            finally:
                await conn.close()
            buffer.seek(0)
            return buffer

        raw = pd.read_csv(
            asyncio.run(copy()),
            header=None,
            names=COLUMNS,
            dtype={
                "rater_key": str,
                "relationship": str,
                "value": np.int64,
                "anonymity_threshold": np.int64,
            },
        )
    else:
        path = make_url(url).database
        with sqlite3.connect(str(path)) as conn:
            tenant_hex = tenant_id.replace("-", "")
            cycle_hex = cycle_id.replace("-", "")
            raw = pd.read_sql_query(
                f"SELECT {', '.join(COLUMNS)} FROM rating_fact "  # noqa: S608 (no input)
                "WHERE tenant_id IN (?, ?) AND cycle_id IN (?, ?)",
                conn,
                params=(tenant_id, tenant_hex, cycle_id, cycle_hex),
            )
    raw = raw[raw.relationship != "self"]
    rater, rater_labels = pd.factorize(raw.rater_key)
    anonymous = sorted(set(raw.relationship.unique()) - {"supervisor"})
    codes = {"supervisor": 0} | {name: i + 1 for i, name in enumerate(anonymous)}
    relationship = raw.relationship.map(codes).to_numpy(np.int64)
    campaign, campaign_labels = pd.factorize(raw.campaign_id)
    ratee_in, ratee_labels = pd.factorize(raw.ratee_id)
    ratee, target_labels = pd.factorize(campaign * len(ratee_labels) + ratee_in)
    group, group_labels = pd.factorize(ratee * len(codes) + relationship)
    frame = pd.DataFrame(
        {
            "rater": rater,
            "ratee": ratee,
            "item": pd.factorize(raw.item_id)[0],
            "competency": pd.factorize(raw.competency_id)[0],
            "relationship": relationship,
            "group": group,
            "score": raw.value.to_numpy(np.float64),
            "k": raw.anonymity_threshold.to_numpy(np.int64),
        }
    )
    labels = {
        "rater": np.asarray(rater_labels),
        "relationship": {v: k for k, v in codes.items()},
        "relationships": tuple(range(1, len(codes))),
        "campaign": np.asarray(campaign_labels),
        "ratee": np.asarray(ratee_labels),
        "target": np.asarray(target_labels),
        "group": np.asarray(group_labels),
        "width": len(ratee_labels),
        "codes": len(codes),
    }
    return frame, labels


# --- the reference: compute --------------------------------------------------------------------


def pandas_publishable(f: pd.DataFrame) -> pd.DataFrame:
    """Rows of groups with at least k raters and of items with at least k raters in their
    group; supervisor groups always (as `ratings.anonymity.publishable`)."""
    anonymous = f.relationship != 0
    raters = f.groupby("group").rater.transform("nunique")
    cell = f.groupby(["group", "item"]).rater.transform("nunique")
    keep = ~anonymous | ((raters >= f.k) & (cell >= f.k))
    out = f[keep].reset_index(drop=True)
    return out.assign(row=np.arange(len(out)))


def pandas_alpha(f: pd.DataFrame, level: str) -> pd.Series:
    """Krippendorff's alpha per group (units: the group's items; k = K)."""
    size = f.groupby(["group", "item"]).score.transform("size")
    used = f.loc[(size >= max(2, K)) & (f.relationship != 0), ["group", "item", "score"]]
    if level == "ordinal":
        frequency = used.groupby(["group", "score"]).size()
        position = (frequency.groupby(level="group").cumsum() - frequency / 2).rename("rank")
        used = used.merge(position.reset_index(), on=["group", "score"])
        used = used.assign(score=used["rank"])
    cells = used.groupby(["group", "item"]).score.agg(["size", "var"])
    observed = (2 * cells["size"] * cells["var"]).groupby(level="group").sum()
    g = used.groupby("group").score.agg(["size", "var"])
    expected = 2 * g["var"]
    return 1 - (observed / g["size"]) / expected


def pandas_compute(frame: pd.DataFrame) -> dict[str, Any]:
    f = pandas_publishable(frame)
    bias = pandas_bias(f)
    norm = pandas_normalise(f, bias["pairs"])
    relations = tuple(sorted(set(f.relationship.unique()) - {0}))
    reliability = pandas_reliability(f, norm["adjusted"], relations)
    return {
        "z": bias["z"],
        "k": norm["k"],
        "mean": f.score.mean(),
        "sd": f.score.std(),
        "icc1": dict(zip(relations, reliability["icc1"], strict=True)),
        "rwg": reliability["rwg"],
        "standardised_mean": reliability["mean"],
        "alpha_interval": pandas_alpha(f, "interval"),
        "alpha_ordinal": pandas_alpha(f, "ordinal"),
    }


DUCK_PUBLISHABLE = """
CREATE OR REPLACE TEMP TABLE f AS
WITH g AS (SELECT "group", count(DISTINCT rater) AS raters FROM raw GROUP BY ALL),
c AS (SELECT "group", item, count(DISTINCT rater) AS raters FROM raw GROUP BY ALL)
SELECT raw.*, row_number() OVER () - 1 AS row
FROM raw JOIN g USING ("group") JOIN c USING ("group", item)
WHERE raw.relationship = 0 OR (g.raters >= raw.k AND c.raters >= raw.k)
"""

DUCK_NORMALISED = """
CREATE OR REPLACE TEMP TABLE fa AS
WITH n AS ({normalise})
SELECT f."group", f.rater, n.adjusted FROM f JOIN n USING (row)
"""

DUCK_ALPHA = """
WITH cells AS (
    SELECT "group", item FROM f WHERE relationship <> 0 GROUP BY ALL
    HAVING count(*) >= greatest(2, {k})),
used AS (SELECT "group", item, score FROM f JOIN cells USING ("group", item)),
ranked AS (
    SELECT "group", score,
           sum(count(*)) OVER (PARTITION BY "group" ORDER BY score) - count(*) / 2 AS rank
    FROM used GROUP BY "group", score),
x AS (SELECT u."group", u.item, {value} AS v FROM used u JOIN ranked r USING ("group", score)),
cell AS (SELECT "group", item, count(*) AS m, var_samp(v) AS var FROM x GROUP BY ALL),
observed AS (SELECT "group", sum(2 * m * var) AS o FROM cell GROUP BY ALL),
total AS (SELECT "group", count(*) AS n, var_samp(v) AS var FROM x GROUP BY ALL)
SELECT "group", 1 - (o / n) / (2 * var) AS alpha FROM total JOIN observed USING ("group")
ORDER BY "group"
"""


def duckdb_compute(frame: pd.DataFrame) -> dict[str, Any]:
    import duckdb  # a dev dependency, as pandas

    con = duckdb.connect()
    con.register("raw", frame)
    con.execute(DUCK_PUBLISHABLE)
    bias = con.sql(DUCK_BIAS).df()
    # DUCK_NORMALISE reads `f` and returns (row, adjusted).
    con.execute(DUCK_NORMALISED.format(normalise=DUCK_NORMALISE))
    relations = [r[0] for r in con.sql("SELECT DISTINCT relationship FROM f ORDER BY 1").fetchall()]
    icc1 = {
        rel: con.sql(DUCK_RELIABILITY_ICC.format(relation=rel, k=K)).fetchall()[0][0]
        for rel in relations
        if rel != 0
    }
    rwg = con.sql(DUCK_RELIABILITY_GROUPS.format(k=K, null=SCALE.uniform_null_variance)).df()
    summary = con.sql(DUCK_SUMMARY.format(k=K)).df()
    alpha_interval = con.sql(DUCK_ALPHA.format(k=K, value="u.score")).df()
    alpha_ordinal = con.sql(DUCK_ALPHA.format(k=K, value="r.rank")).df()
    con.close()
    return {
        "z": bias.set_index("rater").z,
        "icc1": icc1,
        "rwg": rwg.set_index("group").rwg,
        "standardised_mean": summary.set_index("group")["mean"],
        "alpha_interval": alpha_interval.set_index("group").alpha,
        "alpha_ordinal": alpha_ordinal.set_index("group").alpha,
    }


# --- agreement ---------------------------------------------------------------------------------


def _checks(
    answers: dict[str, Any], pandas_out: dict[str, Any], duckdb_out: dict[str, Any], labels: Any
) -> dict[str, Any]:
    """A few of Strata's figures against both references."""
    rater_code = {str(key): i for i, key in enumerate(labels["rater"])}
    campaign_code = {str(c): i for i, c in enumerate(labels["campaign"])}
    ratee_code = {str(r): i for i, r in enumerate(labels["ratee"])}
    target_code = {int(t): i for i, t in enumerate(labels["target"])}
    group_code = {int(g): i for i, g in enumerate(labels["group"])}
    relationship_code = {v: k for k, v in labels["relationship"].items()}

    def group_of(g: dict[str, Any]) -> int | None:
        target = campaign_code[g["campaign_id"]] * labels["width"] + ratee_code[g["ratee_id"]]
        key = target_code[target] * labels["codes"] + relationship_code[g["relationship"]]
        return group_code.get(key)

    pairs: list[tuple[str, float | None, float | None, float | None]] = []
    bias = answers["raters"]
    pairs.append(("population mean", bias["population"]["mean"], pandas_out["mean"], None))
    pairs.append(("population sd", bias["population"]["sd"], pandas_out["sd"], None))
    pairs.append(("shrinkage k", bias["shrinkage_k"], pandas_out["k"], None))
    for rater in bias["raters"][:: max(1, len(bias["raters"]) // 5)][:5]:
        code = rater_code[rater["rater_key"]]
        pairs.append(
            (
                f"leniency z of {rater['rater_key']}",
                rater["leniency_z"],
                float(pandas_out["z"].loc[code]),
                float(duckdb_out["z"].loc[code]),
            )
        )
    for icc in answers["reliability"]["relationships"]:
        code = relationship_code[icc["relationship"]]
        if code == 0:
            continue
        pairs.append(
            (
                f"ICC(1) {icc['relationship']}",
                icc["icc1"],
                float(pandas_out["icc1"][code]),
                float(duckdb_out["icc1"][code]),
            )
        )
    shown = [g for g in answers["reliability"]["groups"] if g["relationship"] != "supervisor"]
    for g in shown[:: max(1, len(shown) // 5)][:5]:
        group = group_of(g)
        where = f"{g['ratee_id'][:8]}/{g['relationship']}"
        for field, strata_name in (
            ("rwg", "rwg_j"),
            ("alpha_interval", "alpha_interval"),
            ("alpha_ordinal", "alpha_ordinal"),
        ):
            pairs.append(
                (
                    f"{strata_name} {where}",
                    g[strata_name],
                    float(pandas_out[field].loc[group]),
                    float(duckdb_out[field].loc[group]),
                )
            )
    standard = [g for g in answers["standardised"]["groups"] if g["relationship"] != "supervisor"]
    for g in standard[:: max(1, len(standard) // 5)][:5]:
        group = group_of(g)
        pairs.append(
            (
                f"standardised mean {g['ratee_id'][:8]}/{g['relationship']}",
                g["standardised_mean"],
                float(pandas_out["standardised_mean"].loc[group]),
                float(duckdb_out["standardised_mean"].loc[group]),
            )
        )
    rows = []
    worst = 0.0
    for name, strata_value, pandas_value, duckdb_value in pairs:
        diffs = [
            abs(strata_value - ref)
            for ref in (pandas_value, duckdb_value)
            if ref is not None and strata_value is not None
        ]
        worst = max([worst, *diffs])
        rows.append(
            {
                "figure": name,
                "strata": strata_value,
                "pandas": pandas_value,
                "duckdb": duckdb_value,
                "agree": strata_value is not None and all(d <= TOLERANCE for d in diffs),
            }
        )
    return {
        "tolerance": TOLERANCE,
        "figures": rows,
        "all_agree": all(r["agree"] for r in rows),
        "max_abs_difference": worst,
    }
