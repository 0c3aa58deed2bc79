"""Rater bias and normalisation: a hand-computed case, then pandas (and DuckDB running the SQL
of docs/statistics.md) as independent references on random data, then the edge cases."""

import math
import warnings

import duckdb
import numpy as np
import pandas as pd
import pingouin
import pytest

from strata_analytics.stats import (
    BiasThresholds,
    RaterSums,
    Scale,
    estimate_k,
    pair_scores,
    rater_bias,
    rater_norms,
    rater_sums,
    standardise,
)

TOL = 1e-9
FIVE = Scale(1, 5)

# Three raters, two dimensions (d1, d2):
#   R1: T1 (4, 4), T2 (5, 5)   pair scores 4, 5      across-dimension SDs 0, 0
#   R2: T1 (2, 4), T2 (3, 5)   pair scores 3, 4      SDs √2, √2
#   R3: T1 (1, 3), T3 (3, 3)   pair scores 2, 3      SDs √2, 0
HAND = pd.DataFrame(
    [
        ("R1", "T1", "d1", 4),
        ("R1", "T1", "d2", 4),
        ("R1", "T2", "d1", 5),
        ("R1", "T2", "d2", 5),
        ("R2", "T1", "d1", 2),
        ("R2", "T1", "d2", 4),
        ("R2", "T2", "d1", 3),
        ("R2", "T2", "d2", 5),
        ("R3", "T1", "d1", 1),
        ("R3", "T1", "d2", 3),
        ("R3", "T3", "d1", 3),
        ("R3", "T3", "d2", 3),
    ],
    columns=["rater", "ratee", "dim", "score"],
)


def hand_sums() -> RaterSums:
    return rater_sums(
        HAND.rater.to_numpy(),
        HAND.ratee.to_numpy(),
        HAND.score.to_numpy(),
        dimension=HAND.dim.to_numpy(),
        scale=FIVE,
    )


class TestHandComputed:
    def test_sums(self) -> None:
        sums = hand_sums()
        assert sums.rater.tolist() == ["R1", "R2", "R3"]
        assert sums.ratees.tolist() == [2, 2, 2]
        assert sums.ratings.tolist() == [4, 4, 4]
        assert sums.pair_sum.tolist() == [9, 7, 5]  # 4+5, 3+4, 2+3
        assert sums.pair_sumsq.tolist() == [41, 25, 13]  # 16+25, 9+16, 4+9
        assert sums.midpoint is not None
        assert sums.midpoint.tolist() == [0, 1, 3]  # ratings equal to 3
        assert sums.halo_pairs is not None
        assert sums.halo_sd_sum is not None
        assert sums.halo_pairs.tolist() == [2, 2, 2]
        np.testing.assert_allclose(sums.halo_sd_sum, [0, 2 * math.sqrt(2), math.sqrt(2)])

    def test_population(self) -> None:
        pop = rater_bias(hand_sums()).population
        # pair scores 4, 5, 3, 4, 2, 3: mean 21/6 = 3.5; squared deviations
        # .25 + 2.25 + .25 + .25 + 2.25 + .25 = 5.5, variance 5.5/5 = 1.1
        assert pop.pair_mean == pytest.approx(3.5, abs=TOL)
        assert pop.pair_sd == pytest.approx(math.sqrt(1.1), abs=TOL)
        # ratings sum 18 + 14 + 10 = 42 over 12: mean 3.5; SS 5 + 5 + 7 = 17, variance 17/11
        assert pop.mean == pytest.approx(3.5, abs=TOL)
        assert pop.sd == pytest.approx(math.sqrt(17 / 11), abs=TOL)
        assert pop.midpoint_share == pytest.approx(4 / 12, abs=TOL)
        # across-dimension SDs 0, 0, √2, √2, √2, 0: mean 3√2/6
        assert pop.halo_sd == pytest.approx(math.sqrt(2) / 2, abs=TOL)

    def test_leniency(self) -> None:
        bias = rater_bias(hand_sums(), BiasThresholds(z=1.3, min_ratees=2))
        # R1 mean 4.5: d = (4.5 - 3.5)/√1.1 = 0.953463, z = d·√2 = 1.348400
        np.testing.assert_allclose(bias.mean, [4.5, 3.5, 2.5], atol=TOL)
        d = 1 / math.sqrt(1.1)
        np.testing.assert_allclose(bias.leniency_d, [d, 0, -d], atol=TOL)
        np.testing.assert_allclose(
            bias.leniency_z, [d * math.sqrt(2), 0, -d * math.sqrt(2)], atol=TOL
        )
        assert bias.lenient.tolist() == [True, False, False]
        assert bias.severe.tolist() == [False, False, True]

    def test_leniency_below_the_default_threshold_is_not_flagged(self) -> None:
        bias = rater_bias(hand_sums(), BiasThresholds(min_ratees=2))
        assert not bias.lenient.any()  # |z| = 1.35 < 1.96
        assert not bias.severe.any()

    def test_central_tendency(self) -> None:
        bias = rater_bias(hand_sums(), BiasThresholds(min_ratees=2))
        # R1 4,4,5,5: SS 1, var 1/3; R2 2,4,3,5: SS 5, var 5/3; R3 1,3,3,3: SS 3, var 1
        sds = np.sqrt([1 / 3, 5 / 3, 1])
        np.testing.assert_allclose(bias.sd, sds, atol=TOL)
        np.testing.assert_allclose(bias.spread_ratio, sds / math.sqrt(17 / 11), atol=TOL)
        np.testing.assert_allclose(bias.midpoint_share, [0, 0.25, 0.75], atol=TOL)
        # R1: spread ratio 0.4644 ≤ 0.5; R3: 3 of 4 ratings at the midpoint ≥ 0.5
        assert bias.central_tendency.tolist() == [True, False, True]

    def test_halo(self) -> None:
        bias = rater_bias(hand_sums(), BiasThresholds(min_ratees=2))
        # mean across-dimension SD: R1 0, R2 √2, R3 √2/2; population √2/2
        np.testing.assert_allclose(bias.halo_sd, [0, math.sqrt(2), math.sqrt(2) / 2], atol=TOL)
        np.testing.assert_allclose(bias.halo_ratio, [0, 2, 1], atol=TOL)
        assert bias.halo.tolist() == [True, False, False]

    def test_no_flag_below_min_ratees(self) -> None:
        bias = rater_bias(hand_sums(), BiasThresholds(z=1.3, min_ratees=3))
        assert not (bias.lenient | bias.severe | bias.central_tendency | bias.halo).any()
        assert not np.isnan(bias.leniency_z).any()  # the figures are still there

    def test_estimated_k(self) -> None:
        # pair scores by rater: {4,5} {3,4} {2,3}; means 4.5 3.5 2.5, grand 3.5
        # SSB = 2·1 + 0 + 2·1 = 4, MSB = 4/2 = 2; SSW = 3·0.5 = 1.5, MSW = 1.5/3 = 0.5
        # k0 = 2 (balanced); τ² = (2 - 0.5)/2 = 0.75; k = 0.5/0.75 = 2/3
        assert estimate_k(hand_sums()) == pytest.approx(2 / 3, abs=TOL)
        norms = rater_norms(hand_sums())
        assert norms.k_estimated
        np.testing.assert_allclose(norms.weight, [0.75, 0.75, 0.75], atol=TOL)  # 2/(2 + 2/3)

    def test_shrinkage_with_given_k(self) -> None:
        norms = rater_norms(hand_sums(), k=2)
        # w = 2/(2 + 2) = 0.5; R1 mean 0.5·4.5 + 0.5·3.5 = 4.0
        # R1 variance 0.5·(1/3) + 0.5·(17/11) = 0.939394
        assert not norms.k_estimated
        np.testing.assert_allclose(norms.weight, [0.5] * 3, atol=TOL)
        np.testing.assert_allclose(norms.shrunk_mean, [4.0, 3.5, 3.0], atol=TOL)
        shrunk_var_r1 = 0.5 / 3 + 0.5 * 17 / 11
        assert norms.shrunk_sd[0] == pytest.approx(math.sqrt(shrunk_var_r1), abs=TOL)
        out = standardise(norms, np.array(["R1", "R1"]), np.array([5.0, 4.0]))
        # z = (5 - 4)/0.969223 = 1.031754; adjusted = 3.5 + 1.243163·1.031754 = 4.782638
        z = 1 / math.sqrt(shrunk_var_r1)
        np.testing.assert_allclose(out.z, [z, 0.0], atol=TOL)
        np.testing.assert_allclose(out.adjusted, [3.5 + math.sqrt(17 / 11) * z, 3.5], atol=TOL)


def random_ratings(seed: int, rows: int = 3000) -> pd.DataFrame:
    """Raters with their own leniency and spread; a few raters with one ratee or one rating."""
    rng = np.random.default_rng(seed)
    raters = rng.integers(0, 80, rows)
    frame = pd.DataFrame(
        {
            "rater": raters,
            "ratee": rng.integers(0, 150, rows),
            "dim": rng.integers(0, 4, rows),
        }
    )
    shift = rng.normal(0, 0.6, 80)
    raw = 3 + shift[raters] + rng.normal(0, 1, rows)
    frame["score"] = np.clip(np.round(raw), 1, 5)
    frame.loc[rng.random(rows) < 0.05, "score"] = np.nan
    extra = pd.DataFrame(
        {"rater": [500, 501, 501], "ratee": [3, 4, 4], "dim": [0, 0, 1], "score": [5.0, 2, 4]}
    )
    return pd.concat([frame, extra], ignore_index=True)


def reference_bias(frame: pd.DataFrame) -> pd.DataFrame:
    """The definitions of docs/statistics.md, written with pandas group-bys."""
    rated = frame.dropna(subset=["score"])
    pairs = rated.groupby(["rater", "ratee"]).score.mean().rename("pair").reset_index()
    cells = rated.groupby(["rater", "ratee", "dim"]).score.mean().reset_index()
    halo = cells.groupby(["rater", "ratee"]).score.std(ddof=1).dropna().reset_index()
    out = pd.DataFrame(
        {
            "ratees": pairs.groupby("rater").size(),
            "mean": pairs.groupby("rater").pair.mean(),
            "ratings": rated.groupby("rater").size(),
            "sd": rated.groupby("rater").score.std(ddof=1),
            "midpoint_share": rated.assign(mid=rated.score == 3).groupby("rater").mid.mean(),
            "halo_sd": halo.groupby("rater").score.mean(),
        }
    )
    pair_mean, pair_sd = pairs.pair.mean(), pairs.pair.std(ddof=1)
    out["d"] = (out["mean"] - pair_mean) / pair_sd
    out["z"] = out["d"] * np.sqrt(out["ratees"])
    out["spread_ratio"] = out["sd"] / rated.score.std(ddof=1)
    out["halo_ratio"] = out["halo_sd"] / halo.score.mean()
    return out


class TestAgainstPandas:
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_bias(self, seed: int) -> None:
        frame = random_ratings(seed)
        sums = rater_sums(
            frame.rater.to_numpy(),
            frame.ratee.to_numpy(),
            frame.score.to_numpy(),
            dimension=frame.dim.to_numpy(),
            scale=FIVE,
        )
        bias = rater_bias(sums)
        ref = reference_bias(frame).loc[bias.rater]
        np.testing.assert_array_equal(bias.ratees, ref.ratees)
        np.testing.assert_array_equal(bias.ratings, ref.ratings)
        for ours, theirs in [
            (bias.mean, ref["mean"]),
            (bias.leniency_d, ref.d),
            (bias.leniency_z, ref.z),
            (bias.sd, ref.sd),
            (bias.spread_ratio, ref.spread_ratio),
            (bias.midpoint_share, ref.midpoint_share),
            (bias.halo_sd, ref.halo_sd),
            (bias.halo_ratio, ref.halo_ratio),
        ]:
            np.testing.assert_allclose(ours, theirs.to_numpy(), rtol=0, atol=TOL)
        assert math.isnan(bias.sd[bias.rater.tolist().index(500)])  # one rating
        assert math.isnan(bias.halo_sd[bias.rater.tolist().index(500)])  # one dimension

    @pytest.mark.parametrize("seed", [4, 5])
    def test_estimated_k_against_pingouin_anova(self, seed: int) -> None:
        frame = random_ratings(seed).dropna(subset=["score"])
        pairs = frame.groupby(["rater", "ratee"]).score.mean().rename("pair").reset_index()
        with warnings.catch_warnings():  # pingouin 0.7 calls a pandas API deprecated in 3.x
            warnings.simplefilter("ignore", pd.errors.Pandas4Warning)
            table = pingouin.anova(data=pairs, dv="pair", between="rater", detailed=True)
        msb, msw = table["MS"].iloc[0], table["MS"].iloc[1]
        sizes = pairs.groupby("rater").size().to_numpy()
        n, g = sizes.sum(), sizes.size
        k0 = (n - (sizes**2).sum() / n) / (g - 1)
        expected = msw / ((msb - msw) / k0)
        sums = rater_sums(frame.rater, frame.ratee, frame.score)
        assert estimate_k(sums) == pytest.approx(expected, rel=TOL)

    @pytest.mark.parametrize("k", [None, 0.0, 3.0])
    def test_standardised_scores(self, k: float | None) -> None:
        frame = random_ratings(6)
        sums = rater_sums(frame.rater, frame.ratee, frame.score)
        norms = rater_norms(sums, k=k)
        out = standardise(norms, frame.rater.to_numpy(), frame.score.to_numpy())

        rated = frame.dropna(subset=["score"])
        chosen = norms.k
        ratees = rated.groupby("rater").ratee.nunique()
        weight = ratees / (ratees + chosen)
        mu, sigma = rated.score.mean(), rated.score.std(ddof=1)
        own_var = rated.groupby("rater").score.var(ddof=1)
        var_weight = weight.where(own_var.notna(), 0.0)
        centre = weight * rated.groupby("rater").score.mean() + (1 - weight) * mu
        spread = np.sqrt(var_weight * own_var.fillna(0) + (1 - var_weight) * sigma**2)
        z = (frame.score - frame.rater.map(centre)) / frame.rater.map(spread)
        np.testing.assert_allclose(out.z, z.to_numpy(), rtol=0, atol=TOL)
        np.testing.assert_allclose(out.adjusted, (mu + sigma * z).to_numpy(), rtol=0, atol=TOL)
        assert np.isnan(out.z[frame.score.isna().to_numpy()]).all()


class TestPairScores:
    def test_hand(self) -> None:
        pairs = pair_scores(HAND.rater, HAND.ratee, HAND.score)
        assert list(zip(pairs.rater, pairs.ratee, strict=True)) == [
            ("R1", "T1"), ("R1", "T2"), ("R2", "T1"), ("R2", "T2"), ("R3", "T1"), ("R3", "T3")
        ]  # fmt: skip
        assert pairs.score.tolist() == [4, 5, 3, 4, 2, 3]
        assert pairs.ratings.tolist() == [2] * 6

    def test_against_pandas(self) -> None:
        frame = random_ratings(8)
        pairs = pair_scores(frame.rater, frame.ratee, frame.score)
        ref = frame.dropna().groupby(["rater", "ratee"]).score.agg(["mean", "size"])
        assert list(zip(pairs.rater, pairs.ratee, strict=True)) == ref.index.tolist()
        np.testing.assert_allclose(pairs.score, ref["mean"], rtol=0, atol=TOL)
        assert pairs.ratings.tolist() == ref["size"].tolist()


class TestSqlSums:
    """The SQL in docs/statistics.md (run by DuckDB) gives the same RaterSums."""

    def test_sql_matches(self) -> None:
        frame = random_ratings(7).dropna(subset=["score"])
        sql = """
            WITH pair AS (
                SELECT rater, ratee, avg(score) AS pair FROM frame GROUP BY rater, ratee
            ), by_pair AS (
                SELECT rater, count(*) AS ratees, sum(pair) AS pair_sum,
                       sum(pair * pair) AS pair_sumsq
                FROM pair GROUP BY rater
            ), by_rating AS (
                SELECT rater, count(score) AS ratings, sum(score) AS rating_sum,
                       sum(score * score) AS rating_sumsq,
                       count(*) FILTER (WHERE score = 3) AS midpoint
                FROM frame GROUP BY rater
            )
            SELECT * FROM by_pair JOIN by_rating USING (rater) ORDER BY rater DESC
        """
        rows = duckdb.sql(sql).df()
        from_sql = RaterSums(
            rater=rows.rater.to_numpy(),
            ratees=rows.ratees.to_numpy(),
            pair_sum=rows.pair_sum.to_numpy(),
            pair_sumsq=rows.pair_sumsq.to_numpy(),
            ratings=rows.ratings.to_numpy(),
            rating_sum=rows.rating_sum.to_numpy(),
            rating_sumsq=rows.rating_sumsq.to_numpy(),
            midpoint=rows.midpoint.to_numpy(),
        )
        from_arrays = rater_sums(frame.rater, frame.ratee, frame.score, scale=FIVE)
        ours = rater_bias(from_arrays)
        theirs = rater_bias(from_sql)
        order = np.argsort(theirs.rater)
        np.testing.assert_array_equal(theirs.rater[order], ours.rater)
        for name in ("leniency_z", "sd", "midpoint_share"):
            np.testing.assert_allclose(
                getattr(theirs, name)[order], getattr(ours, name), rtol=0, atol=TOL
            )
        # norms from unsorted sums still standardise by the right rater
        a = standardise(rater_norms(from_sql, k=1.0), frame.rater, frame.score)
        b = standardise(rater_norms(from_arrays, k=1.0), frame.rater, frame.score)
        np.testing.assert_allclose(a.z, b.z, rtol=0, atol=TOL)


class TestEdgeCases:
    def test_one_rater_one_rating(self) -> None:
        sums = rater_sums(["a"], ["t"], [4.0], scale=FIVE)
        bias = rater_bias(sums)
        assert bias.population.pair_mean == 4.0
        assert math.isnan(bias.population.sd)
        assert math.isnan(bias.leniency_z[0])
        assert not bias.lenient[0]
        norms = rater_norms(sums)
        assert norms.k == math.inf  # no between-rater information
        assert norms.weight.tolist() == [0.0]
        out = standardise(norms, ["a"], [4.0])
        assert out.z.tolist() == [0.0]  # no spread at all: the rating sits at the mean
        assert out.adjusted.tolist() == [4.0]

    def test_all_raters_identical(self) -> None:
        rater = np.repeat(np.arange(5), 4)
        ratee = np.tile(np.arange(4), 5)
        sums = rater_sums(rater, ratee, np.full(20, 3.0), dimension=ratee % 2, scale=FIVE)
        bias = rater_bias(sums)
        assert bias.population.sd == 0.0
        assert bias.population.pair_sd == 0.0
        assert np.isnan(bias.leniency_z).all()  # 0/0
        assert np.isnan(bias.spread_ratio).all()
        assert bias.midpoint_share.tolist() == [1.0] * 5
        assert bias.central_tendency.all()  # every rating at the midpoint
        assert not (bias.lenient | bias.severe).any()
        norms = rater_norms(sums)
        assert norms.k == math.inf
        out = standardise(norms, rater, np.full(20, 3.0))
        assert (out.z == 0).all()
        assert (out.adjusted == 3.0).all()

    def test_non_integer_constant_scores_count_as_zero_variance(self) -> None:
        sums = rater_sums(np.arange(10) % 2, np.arange(10), np.full(10, 0.1))
        assert rater_bias(sums).population.sd == 0.0  # Σ of ten 0.1s is not exactly 1

    def test_rater_with_zero_spread_and_k_zero(self) -> None:
        # k = 0 trusts each rater fully; rater 0 gives only 4s
        rater = np.array([0, 0, 1, 1])
        sums = rater_sums(rater, np.array([0, 1, 0, 1]), np.array([4.0, 4, 2, 5]))
        out = standardise(rater_norms(sums, k=0), rater, np.array([4.0, 4, 2, 5]))
        assert out.z[:2].tolist() == [0.0, 0.0]
        assert out.z[2] == pytest.approx(-1 / math.sqrt(2), abs=TOL)  # (2 - 3.5)/√4.5

    def test_missing_values_are_dropped(self) -> None:
        with_nan = rater_sums(["a", "a", "b"], ["t", "u", "t"], [4.0, np.nan, 2.0])
        assert with_nan.ratings.tolist() == [1, 1]
        assert with_nan.ratees.tolist() == [1, 1]

    def test_even_scale_has_no_midpoint(self) -> None:
        sums = rater_sums(["a", "a"], ["t", "u"], [1.0, 4.0], scale=Scale(1, 4))
        assert sums.midpoint is None
        assert np.isnan(rater_bias(sums).midpoint_share).all()

    def test_only_missing_values(self) -> None:
        with pytest.raises(ValueError, match="no ratings"):
            rater_sums(["a"], ["t"], [np.nan])

    def test_unknown_rater(self) -> None:
        norms = rater_norms(rater_sums(["a", "b"], ["t", "t"], [1.0, 2.0]))
        with pytest.raises(ValueError, match="no norms"):
            standardise(norms, ["c"], [3.0])

    def test_negative_k(self) -> None:
        with pytest.raises(ValueError, match="k must be"):
            rater_norms(rater_sums(["a"], ["t"], [1.0]), k=-1)

    def test_misaligned_sums(self) -> None:
        with pytest.raises(ValueError, match="aligned"):
            RaterSums(
                rater=np.array(["a"]),
                ratees=np.array([1, 2]),
                pair_sum=np.array([1.0]),
                pair_sumsq=np.array([1.0]),
                ratings=np.array([1]),
                rating_sum=np.array([1.0]),
                rating_sumsq=np.array([1.0]),
            )

    def test_infinite_score(self) -> None:
        with pytest.raises(ValueError, match="infinite"):
            rater_sums(["a"], ["t"], [np.inf])


class TestLinkableRaters:
    """Rater rows and k: a rater with an anonymous rating and fewer ratees than k is
    withheld from every rater-level figure; a supervisor is not."""

    def test_raters_below_k_ratees_are_withheld_and_supervisors_kept(self):
        from strata_analytics.stats import linkable_raters

        # rater 0: 3 ratees (peer); rater 1: 2 ratees (peer); rater 2: 1 ratee (supervisor);
        # rater 3: 3 ratees but one rating in a group whose k is 4.
        rater = [0, 0, 0, 1, 1, 1, 2, 3, 3, 3]
        target = [0, 1, 2, 0, 1, 1, 0, 0, 1, 2]
        threshold = [3, 3, 3, 3, 3, 3, 3, 3, 3, 4]
        anonymous = [True] * 6 + [False] + [True] * 3
        withheld = linkable_raters(rater, target, threshold, anonymous)
        assert withheld.tolist() == [False] * 3 + [True] * 3 + [False] + [True] * 3

    def test_nothing_in_nothing_out(self):
        from strata_analytics.stats import linkable_raters

        assert linkable_raters([], [], [], []).tolist() == []
