"""Time the analytics statistics on 2,000,000 synthetic ratings, against pandas and DuckDB.

    .venv/bin/python bench/analytics_stats.py [--ratees 10000] [--raters-per-ratee 8]
                                              [--items 25] [--repeat 3] [--seed 7]
                                              [--shuffle]

The data: every employee is a ratee and a rater; each ratee is rated by one supervisor,
four peers and three others (direct reports or customers) on 25 items in 5 competencies,
scale 1 to 5 (10,000 x 8 x 25 = 2,000,000 ratings, 1 % missing). Ratings come from the ratee's
level, an item effect and the rater's own leniency; 1 % of raters are planted lenient
(+1 point), 1 % severe (-1), 1 % with halo (one impression for every item of a ratee).

The same work runs three ways, each from the same in-memory arrays:
1. bias: per-rater sums, leniency z, central tendency, halo;
2. normalisation: shrunk rater norms (k estimated) and the standardised score of every row;
3. reliability: for peers and for others, ICC(1)/ICC(2) over ratees on pair scores; r_wg(J) over the
   25 items for every ratee x relationship group (k = 3); and the anonymity-safe mean of the
   adjusted scores per group.
`strata` uses strata_analytics.stats; `pandas` and `duckdb` implement the same definitions with
group-bys (DuckDB reads the pandas frame in place, no copy). Each is timed `--repeat` times
(best reported); the ratio is strata's time over the faster of the two. Results are checked
against each other before timing is reported.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from strata_analytics.stats import (
    Scale,
    group_summary,
    icc,
    pair_scores,
    rater_bias,
    rater_norms,
    rater_sums,
    rwg,
    standardise,
)

SCALE = Scale(1, 5)
K = 3
RELATIONSHIPS = np.array([0] + [1] * 4 + [2] * 3)  # supervisor, peers, others
ICC_RELATIONSHIPS = (1, 2)
"""A supervisor group has one rater: no within-group variance, no ICC."""


@dataclass
class Data:
    rater: np.ndarray
    ratee: np.ndarray
    item: np.ndarray
    competency: np.ndarray
    relationship: np.ndarray
    group: np.ndarray
    """ratee x relationship, one code."""
    score: np.ndarray
    planted: dict[str, np.ndarray]


def generate(ratees: int, per_ratee: int, items: int, seed: int) -> Data:
    rng = np.random.default_rng(seed)
    employees = ratees
    # rater slots of each ratee: supervisor = the ratee's manager (teams of 8), the others at
    # random among employees other than the ratee
    manager = (np.arange(ratees) // 8) * 8
    others = rng.integers(0, employees - 1, (ratees, per_ratee - 1))
    others += others >= np.arange(ratees)[:, None]  # never the ratee
    slots = np.column_stack([manager, others])
    slots[:, 0] = np.where(
        slots[:, 0] == np.arange(ratees), (slots[:, 0] + 1) % employees, slots[:, 0]
    )

    leniency = rng.normal(0, 0.3, employees)
    shuffled = rng.permutation(employees)
    lenient, severe, haloed = np.split(shuffled[: 3 * (employees // 100)], 3)
    leniency[lenient] += 1.0
    leniency[severe] -= 1.0
    halo = np.zeros(employees, dtype=bool)
    halo[haloed] = True

    level = rng.normal(0, 0.6, ratees)
    item_effect = rng.normal(0, 0.3, items)
    rows = ratees * per_ratee * items
    ratee = np.repeat(np.arange(ratees), per_ratee * items)
    slot = np.tile(np.repeat(np.arange(per_ratee), items), ratees)
    rater = np.repeat(slots.ravel(), items)
    item = np.tile(np.arange(items), ratees * per_ratee)
    noise = rng.normal(0, 0.8, rows)
    noise = np.where(halo[rater], np.repeat(rng.normal(0, 0.8, ratees * per_ratee), items), noise)
    raw = 3.2 + level[ratee] + item_effect[item] * ~halo[rater] + leniency[rater] + noise
    score = np.clip(np.round(raw), 1, 5)
    score[rng.random(rows) < 0.01] = np.nan
    relationship = RELATIONSHIPS[slot]
    return Data(
        rater=rater.astype(np.int64),
        ratee=ratee.astype(np.int64),
        item=item.astype(np.int64),
        competency=(item % 5).astype(np.int64),
        relationship=relationship.astype(np.int64),
        group=(ratee * 3 + relationship).astype(np.int64),
        score=score,
        planted={"lenient": lenient, "severe": severe, "halo": haloed},
    )


# --- strata ---------------------------------------------------------------------------------


def strata_bias(d: Data) -> dict[str, Any]:
    sums = rater_sums(d.rater, d.ratee, d.score, dimension=d.competency, scale=SCALE)
    bias = rater_bias(sums)
    return {"sums": sums, "rater": bias.rater, "z": bias.leniency_z, "halo": bias.halo_ratio,
            "lenient": bias.lenient, "severe": bias.severe, "halo_flag": bias.halo}  # fmt: skip


def strata_normalise(d: Data, sums: Any) -> dict[str, Any]:
    norms = rater_norms(sums)
    out = standardise(norms, d.rater, d.score)
    return {"k": norms.k, "adjusted": out.adjusted}


def strata_reliability(d: Data, adjusted: np.ndarray) -> dict[str, Any]:
    iccs = []
    for relation in ICC_RELATIONSHIPS:
        mask = d.relationship == relation
        pairs = pair_scores(d.rater[mask], d.ratee[mask], d.score[mask])
        iccs.append(icc(pairs.ratee, pairs.score, anonymity_threshold=K))
    agreement = rwg(d.group, d.rater, d.score, item=d.item, scale=SCALE, anonymity_threshold=K)
    summary = group_summary(d.group, d.rater, adjusted, anonymity_threshold=K)
    return {"icc1": [r.icc1 for r in iccs], "rwg": agreement.rwg, "mean": summary.mean}


# --- pandas ---------------------------------------------------------------------------------


def pandas_bias(f: pd.DataFrame) -> dict[str, Any]:
    rated = f.dropna(subset=["score"])
    pairs = rated.groupby(["rater", "ratee"], sort=False).score.mean().rename("pair").reset_index()
    per_pair = pairs.groupby("rater").pair.agg(["size", "mean"])
    per_rating = rated.groupby("rater").score.agg(["size", "std"])
    mid = (rated.score == 3).groupby(rated.rater).mean()
    cells = rated.groupby(["rater", "ratee", "competency"], sort=False).score.mean().reset_index()
    spread = cells.groupby(["rater", "ratee"], sort=False).score.std().dropna()
    halo = spread.groupby(level="rater").mean()
    z = (per_pair["mean"] - pairs.pair.mean()) / pairs.pair.std() * np.sqrt(per_pair["size"])
    spread_ratio = per_rating["std"] / rated.score.std()
    halo_ratio = halo / spread.mean()
    return {"z": z, "halo": halo_ratio, "spread": spread_ratio, "mid": mid, "pairs": pairs}


def pandas_normalise(f: pd.DataFrame, pairs: pd.DataFrame) -> dict[str, Any]:
    rated = f.dropna(subset=["score"])
    by_rater = pairs.groupby("rater").pair.agg(["size", "mean", "var"])
    n = by_rater["size"]
    big_n, groups = n.sum(), len(n)
    grand = pairs.pair.mean()
    msb = (n * (by_rater["mean"] - grand) ** 2).sum() / (groups - 1)
    msw = ((n - 1) * by_rater["var"].fillna(0)).sum() / (big_n - groups)
    k0 = (big_n - (n**2).sum() / big_n) / (groups - 1)
    tau2 = (msb - msw) / k0
    k = msw / tau2 if tau2 > 0 else np.inf
    weight = n / (n + k)
    stats = rated.groupby("rater").score.agg(["mean", "var"])
    mu, sigma = rated.score.mean(), rated.score.std()
    vw = weight.where(stats["var"].notna(), 0.0)
    centre = weight * stats["mean"] + (1 - weight) * mu
    spread = np.sqrt(vw * stats["var"].fillna(0) + (1 - vw) * sigma**2)
    z = (f.score - f.rater.map(centre)) / f.rater.map(spread)
    return {"k": k, "adjusted": (mu + sigma * z).to_numpy()}


def pandas_reliability(
    f: pd.DataFrame, adjusted: np.ndarray, relations: tuple[int, ...] = ICC_RELATIONSHIPS
) -> dict[str, Any]:
    rated = f.dropna(subset=["score"])
    iccs = []
    for relation in relations:
        part = rated[rated.relationship == relation]
        pairs = part.groupby(["ratee", "rater"], sort=False).score.mean()
        g = pairs.groupby(level="ratee").agg(["size", "mean", "var"])
        g = g[g["size"] >= K]
        n, big_n, groups = g["size"], g["size"].sum(), len(g)
        grand = (n * g["mean"]).sum() / big_n
        msb = (n * (g["mean"] - grand) ** 2).sum() / (groups - 1)
        msw = ((n - 1) * g["var"].fillna(0)).sum() / (big_n - groups)
        k0 = (big_n - (n**2).sum() / big_n) / (groups - 1)
        iccs.append((msb - msw) / (msb + (k0 - 1) * msw))
    raters = rated.groupby("group").rater.nunique()
    shown = rated[rated.group.map(raters) >= K]
    cells = shown.groupby(["group", "item"], sort=False).score.agg(["size", "var"])
    cells = cells[cells["size"] >= K]
    per_group = cells.groupby(level="group")["var"].agg(["size", "mean"])
    j, q = per_group["size"], per_group["mean"] / SCALE.uniform_null_variance
    value = (j * (1 - q) / (j * (1 - q) + q)).where(q <= 1, 0.0)
    adj = pd.Series(adjusted, index=f.index)[rated.index]
    summary = adj[rated.group.map(raters) >= K].groupby(shown.group).mean()
    return {"icc1": iccs, "rwg": value, "mean": summary}


# --- duckdb ---------------------------------------------------------------------------------

DUCK_BIAS = """
WITH r AS (SELECT * FROM f WHERE score IS NOT NULL),
pair AS (SELECT rater, ratee, avg(score) AS pair FROM r GROUP BY ALL),
pop AS (SELECT avg(pair) AS m, stddev_samp(pair) AS s FROM pair),
cell AS (SELECT rater, ratee, competency, avg(score) AS c FROM r GROUP BY ALL),
spread AS (SELECT rater, ratee, stddev_samp(c) AS sd FROM cell GROUP BY ALL HAVING count(*) > 1),
halo_pop AS (SELECT avg(sd) AS h FROM spread),
rating_pop AS (SELECT stddev_samp(score) AS s FROM r),
per_pair AS (SELECT rater, count(*) AS n, avg(pair) AS m FROM pair GROUP BY ALL),
per_rating AS (SELECT rater, stddev_samp(score) AS sd, avg((score = 3)::INT) AS mid
               FROM r GROUP BY ALL),
per_halo AS (SELECT rater, avg(sd) AS h FROM spread GROUP BY ALL)
SELECT p.rater, (p.m - pop.m) / pop.s * sqrt(p.n) AS z, q.sd / rating_pop.s AS spread,
       q.mid, h.h / halo_pop.h AS halo
FROM per_pair p JOIN per_rating q USING (rater) LEFT JOIN per_halo h USING (rater),
     pop, halo_pop, rating_pop
ORDER BY p.rater
"""

DUCK_NORMALISE = """
WITH r AS (SELECT * FROM f WHERE score IS NOT NULL),
pair AS (SELECT rater, ratee, avg(score) AS pair FROM r GROUP BY ALL),
g AS (SELECT rater, count(*) AS n, avg(pair) AS m, coalesce(var_samp(pair), 0) AS v
      FROM pair GROUP BY ALL),
tot AS (SELECT sum(n) AS big_n, count(*) AS groups, sum(n * m) / sum(n) AS grand,
               sum(n * n) AS n2 FROM g),
ms AS (SELECT sum(g.n * (g.m - tot.grand) ^ 2) / (tot.groups - 1) AS msb,
              sum((g.n - 1) * g.v) / (tot.big_n - tot.groups) AS msw,
              (tot.big_n - tot.n2 / tot.big_n) / (tot.groups - 1) AS k0
       FROM g, tot GROUP BY tot.groups, tot.big_n, tot.n2),
k AS (SELECT CASE WHEN msb > msw THEN msw / ((msb - msw) / k0) ELSE 'inf'::DOUBLE END AS k
      FROM ms),
pop AS (SELECT avg(score) AS mu, stddev_samp(score) AS sigma FROM r),
own AS (SELECT rater, avg(score) AS m, var_samp(score) AS v FROM r GROUP BY ALL),
norm AS (SELECT own.rater, g.n / (g.n + k.k) AS w, own.m, own.v FROM own JOIN g USING (rater), k),
shrunk AS (SELECT rater, w * m + (1 - w) * pop.mu AS centre,
                  sqrt(CASE WHEN v IS NULL THEN pop.sigma ^ 2
                            ELSE w * v + (1 - w) * pop.sigma ^ 2 END) AS spread
           FROM norm, pop)
SELECT f.row, pop.mu + pop.sigma * (f.score - s.centre) / s.spread AS adjusted
FROM f JOIN shrunk s USING (rater), pop
"""

DUCK_RELIABILITY_ICC = """
WITH r AS (SELECT * FROM f WHERE score IS NOT NULL AND relationship = {relation}),
pair AS (SELECT ratee, rater, avg(score) AS pair FROM r GROUP BY ALL),
g AS (SELECT ratee, count(*) AS n, avg(pair) AS m, coalesce(var_samp(pair), 0) AS v
      FROM pair GROUP BY ALL HAVING count(*) >= {k}),
tot AS (SELECT sum(n) AS big_n, count(*) AS groups, sum(n * m) / sum(n) AS grand,
               sum(n * n) AS n2 FROM g),
ms AS (SELECT sum(g.n * (g.m - tot.grand) ^ 2) / (tot.groups - 1) AS msb,
              sum((g.n - 1) * g.v) / (tot.big_n - tot.groups) AS msw,
              (tot.big_n - tot.n2 / tot.big_n) / (tot.groups - 1) AS k0
       FROM g, tot GROUP BY tot.groups, tot.big_n, tot.n2)
SELECT (msb - msw) / (msb + (k0 - 1) * msw) FROM ms
"""

DUCK_RELIABILITY_GROUPS = """
WITH r AS (SELECT * FROM f WHERE score IS NOT NULL),
shown AS (SELECT "group" FROM r GROUP BY ALL HAVING count(DISTINCT rater) >= {k}),
cell AS (SELECT "group", item, var_samp(score) AS v FROM r JOIN shown USING ("group")
         GROUP BY ALL HAVING count(*) >= {k}),
agree AS (SELECT "group", count(*) AS j, avg(v) / {null} AS q FROM cell GROUP BY ALL)
SELECT "group", CASE WHEN q > 1 THEN 0 ELSE j * (1 - q) / (j * (1 - q) + q) END AS rwg
FROM agree ORDER BY "group"
"""

DUCK_SUMMARY = """
WITH r AS (SELECT "group", rater, adjusted FROM fa WHERE adjusted IS NOT NULL),
shown AS (SELECT "group" FROM r GROUP BY ALL HAVING count(DISTINCT rater) >= {k})
SELECT "group", avg(adjusted) AS mean FROM r JOIN shown USING ("group") GROUP BY ALL
ORDER BY "group"
"""


def duckdb_reliability(
    con: Any, relations: tuple[int, ...] = ICC_RELATIONSHIPS
) -> tuple[list[float], pd.DataFrame, pd.DataFrame]:
    iccs = [
        con.sql(DUCK_RELIABILITY_ICC.format(relation=rel, k=K)).fetchall()[0][0]
        for rel in relations
    ]
    groups = con.sql(DUCK_RELIABILITY_GROUPS.format(k=K, null=SCALE.uniform_null_variance)).df()
    summary = con.sql(DUCK_SUMMARY.format(k=K)).df()
    return iccs, groups, summary


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ratees", type=int, default=10_000)
    parser.add_argument("--raters-per-ratee", type=int, default=8)
    parser.add_argument("--items", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--shuffle", action="store_true", help="rows in random order (the worst case for strata)"
    )
    args = parser.parse_args(argv)
    if args.raters_per_ratee != len(RELATIONSHIPS):
        parser.error(f"--raters-per-ratee is fixed at {len(RELATIONSHIPS)} (1 + 4 + 3)")

    d = generate(args.ratees, args.raters_per_ratee, args.items, args.seed)
    if args.shuffle:
        order = np.random.default_rng(args.seed).permutation(d.score.size)
        for name in ("rater", "ratee", "item", "competency", "relationship", "group", "score"):
            setattr(d, name, getattr(d, name)[order])
    f = pd.DataFrame(
        {"rater": d.rater, "ratee": d.ratee, "item": d.item, "competency": d.competency,
         "relationship": d.relationship, "group": d.group, "score": d.score,
         "row": np.arange(d.score.size)}
    )  # fmt: skip
    print(
        f"{d.score.size:,} ratings, {args.ratees:,} ratees, {np.unique(d.rater).size:,} raters, "
        f"{args.items} items; {os.cpu_count()} cores; numpy {np.__version__}, "
        f"pandas {pd.__version__}; rows {'shuffled' if args.shuffle else 'grouped by ratee'}"
    )

    timings: dict[str, dict[str, float]] = {}

    t_bias, s_bias = best_of(args.repeat, lambda: strata_bias(d))
    t_norm, s_norm = best_of(args.repeat, lambda: strata_normalise(d, s_bias["sums"]))
    t_rel, s_rel = best_of(args.repeat, lambda: strata_reliability(d, s_norm["adjusted"]))
    timings["strata"] = {"bias": t_bias, "normalise": t_norm, "reliability": t_rel}

    p_bias_t, p_bias = best_of(args.repeat, lambda: pandas_bias(f))
    p_norm_t, p_norm = best_of(args.repeat, lambda: pandas_normalise(f, p_bias["pairs"]))
    p_rel_t, p_rel = best_of(args.repeat, lambda: pandas_reliability(f, p_norm["adjusted"]))
    timings["pandas"] = {"bias": p_bias_t, "normalise": p_norm_t, "reliability": p_rel_t}

    # agreement between implementations (what is timed computes the same figures)
    np.testing.assert_allclose(s_bias["z"], p_bias["z"].loc[s_bias["rater"]], atol=1e-9)
    np.testing.assert_allclose(s_norm["adjusted"], p_norm["adjusted"], atol=1e-9)
    np.testing.assert_allclose(s_rel["icc1"], p_rel["icc1"], atol=1e-9)
    shown = ~np.isnan(s_rel["rwg"])
    np.testing.assert_allclose(s_rel["rwg"][shown], p_rel["rwg"].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(s_rel["mean"][shown], p_rel["mean"].to_numpy(), atol=1e-9)

    try:
        import duckdb
    except ImportError:  # pragma: no cover - duckdb is a dev dependency
        print("duckdb is not installed: comparing with pandas only")
    else:
        con = duckdb.connect()
        con.register("f", f)
        d_bias_t, d_bias = best_of(args.repeat, lambda: con.sql(DUCK_BIAS).df())
        d_norm_t, d_norm = best_of(args.repeat, lambda: con.sql(DUCK_NORMALISE).df())
        # a join does not keep row order: put DuckDB's adjusted scores back in row order
        d_adjusted = np.empty(len(f))
        d_adjusted[d_norm.row.to_numpy()] = d_norm.adjusted.to_numpy()
        con.register("fa", f[["group", "rater"]].assign(adjusted=d_adjusted))
        d_rel_t, (d_icc, d_rwg, d_summary) = best_of(args.repeat, lambda: duckdb_reliability(con))
        timings["duckdb"] = {"bias": d_bias_t, "normalise": d_norm_t, "reliability": d_rel_t}
        np.testing.assert_allclose(s_bias["z"], d_bias.z.to_numpy(), atol=1e-9)
        np.testing.assert_allclose(s_norm["adjusted"], d_adjusted, atol=1e-9)
        np.testing.assert_allclose(s_rel["icc1"], d_icc, atol=1e-9)
        np.testing.assert_allclose(s_rel["rwg"][shown], d_rwg.rwg.to_numpy(), atol=1e-9)
        np.testing.assert_allclose(s_rel["mean"][shown], d_summary["mean"].to_numpy(), atol=1e-9)

    flagged = {
        "lenient": np.isin(d.planted["lenient"], s_bias["rater"][s_bias["lenient"]]).mean(),
        "severe": np.isin(d.planted["severe"], s_bias["rater"][s_bias["severe"]]).mean(),
        "halo": np.isin(d.planted["halo"], s_bias["rater"][s_bias["halo_flag"]]).mean(),
    }
    print(
        "planted raters flagged: "
        + ", ".join(f"{name} {share:.0%}" for name, share in flagged.items())
        + f"; estimated k = {s_norm['k']:.2f}; ICC(1) by relationship = "
        + ", ".join(f"{v:.3f}" for v in s_rel["icc1"])
    )
    print("all implementations agree to 1e-9\n")
    steps = ["bias", "normalise", "reliability"]
    print(
        f"{'seconds (best of ' + str(args.repeat) + ')':<26}"
        + "".join(f"{s:>13}" for s in steps)
        + f"{'total':>13}"
    )
    for name, parts in timings.items():
        total = sum(parts.values())
        print(f"{name:<26}" + "".join(f"{parts[s]:>13.3f}" for s in steps) + f"{total:>13.3f}")
    others = [n for n in timings if n != "strata"]
    fastest = min(others, key=lambda n: sum(timings[n].values()))
    ratio = sum(timings["strata"].values()) / sum(timings[fastest].values())
    per_step = ", ".join(
        f"{s} {timings['strata'][s] / min(timings[n][s] for n in others):.2f}" for s in steps
    )
    print(f"\nstrata / fastest other ({fastest}): {ratio:.2f}x total; per step vs best: {per_step}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
