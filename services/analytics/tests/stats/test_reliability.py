"""ICC(1)/ICC(2), r_wg/r_wg(J), Spearman-Brown and the anonymity-safe group summary: hand
cases, pingouin and pandas as references, textbook loops for r_wg, edge cases."""

import math
import warnings

import numpy as np
import pandas as pd
import pingouin
import pytest

from strata_analytics.stats import (
    Reason,
    Scale,
    group_summary,
    icc,
    icc_from_sums,
    raters_needed,
    rwg,
    spearman_brown,
)
from strata_contracts.reviews.vocabulary import SuppressionReason

TOL = 1e-9
FIVE = Scale(1, 5)


def test_reason_codes_match_the_reviews_contract() -> None:
    assert Reason.BELOW_THRESHOLD.value == SuppressionReason.BELOW_THRESHOLD.value
    assert Reason.ITEM_BELOW_THRESHOLD.value == SuppressionReason.ITEM_BELOW_THRESHOLD.value


# Unbalanced groups: A {2, 4}, B {6, 8}, C {5, 7, 9}
#   means 3, 7, 7; N = 7, G = 3; grand mean 41/7
#   SSB = 2(3 - 41/7)^2 + 2(7 - 41/7)^2 + 3(7 - 41/7)^2 = (800 + 320)/49 = 1120/49
#   MSB = 1120/49/2 = 80/7; SSW = 2 + 2 + 8 = 12, MSW = 12/4 = 3
#   k0 = (7 - (4 + 4 + 9)/7)/2 = 16/7
#   ICC(1) = (80/7 - 3)/(80/7 + (16/7 - 1)3) = (59/7)/(107/7) = 59/107
#   ICC(2) = (80/7 - 3)/(80/7) = 59/80
HAND_GROUP = ["A", "A", "B", "B", "C", "C", "C"]
HAND_SCORE = [2.0, 4, 6, 8, 5, 7, 9]


class TestIccHandComputed:
    def test_raw(self) -> None:
        result = icc(HAND_GROUP, HAND_SCORE, anonymity_threshold=2)
        assert result.reason is None
        assert result.groups == 3
        assert result.ratings == 7
        assert result.ms_between == pytest.approx(80 / 7, abs=TOL)
        assert result.ms_within == pytest.approx(3, abs=TOL)
        assert result.k0 == pytest.approx(16 / 7, abs=TOL)
        assert result.icc1 == pytest.approx(59 / 107, abs=TOL)
        assert result.icc2 == pytest.approx(59 / 80, abs=TOL)
        assert result.f == pytest.approx(80 / 21, abs=TOL)

    def test_from_sums(self) -> None:
        # n, sum, sum of squares per group: A 2, 6, 20; B 2, 14, 100; C 3, 21, 155
        result = icc_from_sums([2, 2, 3], [6, 14, 21], [20, 100, 155], anonymity_threshold=2)
        assert result.icc1 == pytest.approx(59 / 107, abs=TOL)
        assert result.icc2 == pytest.approx(59 / 80, abs=TOL)

    def test_anonymity_excludes_small_groups(self) -> None:
        # k = 3 leaves C alone: one group, so nothing can be said (and A, B are not used)
        result = icc(HAND_GROUP, HAND_SCORE, anonymity_threshold=3)
        assert result.excluded_groups == 2
        assert result.groups == 1
        assert result.icc1 is None
        assert result.reason is Reason.INSUFFICIENT_DATA


def unbalanced(seed: int, groups: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 9, groups)
    group = np.repeat(np.arange(groups), sizes)
    effect = rng.normal(0, 0.7, groups)
    score = np.round(3 + effect[group] + rng.normal(0, 1, group.size))
    score[rng.random(group.size) < 0.05] = np.nan
    return pd.DataFrame({"group": group, "score": score})


class TestIccAgainstReferences:
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_balanced_against_pingouin(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        targets, raters = 30, 4
        effect = rng.normal(0, 1, targets)
        frame = pd.DataFrame(
            {
                "target": np.repeat(np.arange(targets), raters),
                "rater": np.tile(np.arange(raters), targets),
            }
        )
        frame["score"] = effect[frame.target] + rng.normal(0, 1, len(frame))
        with warnings.catch_warnings():  # pingouin 0.7 calls pandas APIs deprecated in 3.x
            warnings.simplefilter("ignore", pd.errors.Pandas4Warning)
            table = pingouin.intraclass_corr(frame, "target", "rater", "score").set_index("Type")
        result = icc(frame.target, frame.score, anonymity_threshold=raters)
        assert result.icc1 == pytest.approx(table.loc["ICC(1,1)", "ICC"], abs=TOL)
        assert result.icc2 == pytest.approx(table.loc["ICC(1,k)", "ICC"], abs=TOL)
        assert result.f == pytest.approx(table.loc["ICC(1,1)", "F"], abs=1e-7)

    @pytest.mark.parametrize("seed", [4, 5, 6])
    def test_unbalanced_against_pingouin_anova(self, seed: int) -> None:
        frame = unbalanced(seed)
        kept = frame.dropna()
        kept = kept[kept.groupby("group").score.transform("size") >= 2]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.Pandas4Warning)
            table = pingouin.anova(data=kept, dv="score", between="group", detailed=True)
        msb, msw = table["MS"].iloc[0], table["MS"].iloc[1]
        sizes = kept.groupby("group").size().to_numpy()
        n, g = sizes.sum(), sizes.size
        k0 = (n - (sizes**2).sum() / n) / (g - 1)
        result = icc(frame.group, frame.score, anonymity_threshold=2)
        assert result.groups == g
        assert result.ms_between == pytest.approx(msb, abs=TOL)
        assert result.ms_within == pytest.approx(msw, abs=TOL)
        assert result.icc1 == pytest.approx((msb - msw) / (msb + (k0 - 1) * msw), abs=TOL)
        assert result.icc2 == pytest.approx((msb - msw) / msb, abs=TOL)

    @pytest.mark.parametrize("seed", [7, 8])
    def test_sums_form_equals_raw_form(self, seed: int) -> None:
        frame = unbalanced(seed).dropna()
        sums = frame.groupby("group").score.agg(["size", "sum", lambda s: (s * s).sum()])
        raw = icc(frame.group, frame.score, anonymity_threshold=3)
        summed = icc_from_sums(
            sums.iloc[:, 0], sums.iloc[:, 1], sums.iloc[:, 2], anonymity_threshold=3
        )
        assert raw.excluded_groups == summed.excluded_groups > 0
        assert raw.icc1 == pytest.approx(summed.icc1, abs=TOL)
        assert raw.icc2 == pytest.approx(summed.icc2, abs=TOL)

    def test_icc2_is_spearman_brown_of_icc1_at_k0(self) -> None:
        result = icc(*unbalanced(9).to_numpy().T, anonymity_threshold=1)
        assert result.icc1 is not None
        assert result.k0 is not None
        stepped_up = spearman_brown(result.icc1, result.k0)
        assert result.icc2 == pytest.approx(stepped_up, abs=TOL)


class TestIccEdgeCases:
    def test_all_identical(self) -> None:
        result = icc([1, 1, 2, 2], [3.0, 3, 3, 3], anonymity_threshold=1)
        assert result.icc1 is None
        assert result.icc2 is None
        assert result.reason is Reason.ZERO_VARIANCE

    def test_no_between_variance(self) -> None:
        # groups {1, 3} and {1, 3}: MSB = 0, MSW = 2; ICC(1) = -2/(0 + 1·2) = -1, ICC(2) 0/0
        result = icc([1, 1, 2, 2], [1.0, 3, 1, 3], anonymity_threshold=1)
        assert result.icc1 == pytest.approx(-1, abs=TOL)
        assert result.icc2 is None
        assert result.reason is Reason.ZERO_VARIANCE

    def test_no_within_variance(self) -> None:
        result = icc([1, 1, 2, 2], [1.0, 1, 3, 3], anonymity_threshold=1)
        assert result.icc1 == 1.0
        assert result.icc2 == 1.0
        assert result.f is None

    def test_one_rating_per_group(self) -> None:
        result = icc([1, 2, 3], [1.0, 2, 3], anonymity_threshold=1)
        assert result.reason is Reason.INSUFFICIENT_DATA

    def test_single_rating(self) -> None:
        result = icc([1], [4.0], anonymity_threshold=1)
        assert result.reason is Reason.INSUFFICIENT_DATA
        assert result.groups == 1

    def test_missing_values(self) -> None:
        with_nan = icc([*HAND_GROUP, "D"], [*HAND_SCORE, np.nan], anonymity_threshold=2)
        assert with_nan.icc1 == pytest.approx(59 / 107, abs=TOL)
        assert with_nan.excluded_groups == 0  # D has no rating at all

    def test_threshold_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="threshold"):
            icc([1], [1.0], anonymity_threshold=0)


class TestRwgHandComputed:
    # scale 1..5: A = 5, sigma2_EU = (25 - 1)/12 = 2
    def test_single_item(self) -> None:
        # {3, 4, 5}: mean 4, s^2 = (1 + 0 + 1)/2 = 1; r_wg = 1 - 1/2 = 0.5
        result = rwg(["g"] * 3, [1, 2, 3], [3.0, 4, 5], scale=FIVE, anonymity_threshold=3)
        assert result.rwg.tolist() == [pytest.approx(0.5, abs=TOL)]
        assert result.mean_variance.tolist() == [pytest.approx(1.0, abs=TOL)]
        assert result.items.tolist() == [1]
        assert result.reason.tolist() == [None]

    def test_j_items(self) -> None:
        # item 1 {3, 4, 5}: s^2 = 1; item 2 {4, 4, 5}: mean 13/3, SS = 1/9 + 1/9 + 4/9 = 2/3,
        # s^2 = 1/3; mean variance 2/3; q = (2/3)/2 = 1/3
        # r_wg(J) = 2(1 - 1/3)/(2(1 - 1/3) + 1/3) = (4/3)/(5/3) = 0.8
        result = rwg(
            ["g"] * 6,
            [1, 2, 3, 1, 2, 3],
            [3.0, 4, 5, 4, 4, 5],
            item=[1, 1, 1, 2, 2, 2],
            scale=FIVE,
            anonymity_threshold=3,
        )
        assert result.rwg[0] == pytest.approx(0.8, abs=TOL)
        assert result.mean_variance[0] == pytest.approx(2 / 3, abs=TOL)
        assert result.items.tolist() == [2]

    def test_truncated_when_worse_than_random(self) -> None:
        # {1, 5, 1, 5}: SS 16, s^2 = 16/3 > 2; untruncated 1 - 8/3 = -5/3
        args = (["g"] * 4, [1, 2, 3, 4], [1.0, 5, 1, 5])
        assert rwg(*args, scale=FIVE, anonymity_threshold=3).rwg.tolist() == [0.0]
        raw = rwg(*args, scale=FIVE, anonymity_threshold=3, truncate=False)
        assert raw.rwg[0] == pytest.approx(-5 / 3, abs=TOL)

    def test_all_raters_identical(self) -> None:
        result = rwg(["g"] * 3, [1, 2, 3], [4.0, 4, 4], scale=FIVE, anonymity_threshold=3)
        assert result.rwg.tolist() == [1.0]


def slow_rwg(frame: pd.DataFrame, options: int, k: int) -> dict[object, float]:
    """James, Demaree & Wolf (1984) by the book, one group at a time."""
    null = (options**2 - 1) / 12
    out: dict[object, float] = {}
    for label, rows in frame.dropna().groupby("group"):
        if rows.rater.nunique() < k:
            continue
        variances = []
        for _, cell in rows.groupby("item"):
            values = cell.score.tolist()
            if len(values) >= max(2, k):
                mean = sum(values) / len(values)
                variances.append(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
        if not variances:
            continue
        j = len(variances)
        ratio = sum(variances) / j / null
        out[label] = 0.0 if ratio > 1 else j * (1 - ratio) / (j * (1 - ratio) + ratio)
    return out


class TestRwgAgainstTextbook:
    @pytest.mark.parametrize(("seed", "k"), [(1, 3), (2, 2), (3, 5)])
    def test_random(self, seed: int, k: int) -> None:
        rng = np.random.default_rng(seed)
        rows = 4000
        frame = pd.DataFrame(
            {
                "group": rng.integers(0, 300, rows),
                "rater": rng.integers(0, 12, rows),
                "item": rng.integers(0, 5, rows),
            }
        )
        frame["score"] = np.clip(np.round(rng.normal(3.5, 1.1, rows)), 1, 5)
        frame.loc[rng.random(rows) < 0.05, "score"] = np.nan
        result = rwg(
            frame.group,
            frame.rater,
            frame.score,
            item=frame.item,
            scale=FIVE,
            anonymity_threshold=k,
        )
        expected = slow_rwg(frame, 5, k)
        got = {
            label: value
            for label, value in zip(result.group.tolist(), result.rwg, strict=True)
            if not math.isnan(value)
        }
        assert got.keys() == expected.keys()
        for label, value in expected.items():
            assert got[label] == pytest.approx(value, abs=TOL)
        assert (np.isnan(result.rwg) == (result.reason != None)).all()  # noqa: E711


class TestRwgAnonymity:
    def test_group_below_threshold_is_suppressed(self) -> None:
        result = rwg(["g", "g", "h", "h", "h"], [1, 2, 1, 2, 3], [1.0, 5, 3, 4, 5],
                     scale=FIVE, anonymity_threshold=3)  # fmt: skip
        assert result.group.tolist() == ["g", "h"]
        assert result.reason.tolist() == [Reason.BELOW_THRESHOLD, None]
        assert math.isnan(result.rwg[0])
        assert math.isnan(result.mean_variance[0])
        assert result.items[0] == 0

    def test_item_below_threshold_is_left_out(self) -> None:
        # item 1 rated by three raters, item 2 by two: only item 1 counts (J = 1)
        result = rwg(
            ["g"] * 5,
            [1, 2, 3, 1, 2],
            [3.0, 4, 5, 1, 5],
            item=[1, 1, 1, 2, 2],
            scale=FIVE,
            anonymity_threshold=3,
        )
        assert result.items.tolist() == [1]
        assert result.rwg[0] == pytest.approx(0.5, abs=TOL)

    def test_every_item_below_threshold(self) -> None:
        result = rwg(
            ["g"] * 4, [1, 2, 3, 4], [3.0, 4, 5, 1], item=[1, 1, 2, 2],
            scale=FIVE, anonymity_threshold=3,
        )  # fmt: skip
        assert result.reason.tolist() == [Reason.ITEM_BELOW_THRESHOLD]
        assert math.isnan(result.rwg[0])

    def test_single_rater_without_threshold(self) -> None:
        result = rwg(["g"], [1], [3.0], scale=FIVE, anonymity_threshold=1)
        assert result.reason.tolist() == [Reason.INSUFFICIENT_DATA]


class TestSpearmanBrown:
    def test_prophecy(self) -> None:
        # rho = 0.2 with 4 raters: 4·0.2/(1 + 3·0.2) = 0.8/1.6 = 0.5
        assert spearman_brown(0.2, 4) == pytest.approx(0.5, abs=TOL)
        assert spearman_brown(0.2, 1) == pytest.approx(0.2, abs=TOL)

    def test_raters_needed(self) -> None:
        # rho = 0.2, target 0.7: m = 0.7·0.8/(0.2·0.3) = 0.56/0.06 = 9.333 -> 10
        needed = raters_needed(0.2, 0.7)
        assert needed is not None
        assert needed.exact == pytest.approx(28 / 3, abs=TOL)
        assert needed.raters == 10
        assert spearman_brown(0.2, needed.exact) == pytest.approx(0.7, abs=TOL)

    def test_exact_whole_number(self) -> None:
        # rho = 0.2, target 0.5: m = 0.5·0.8/(0.2·0.5) = 4 exactly
        needed = raters_needed(0.2, 0.5)
        assert needed is not None
        assert needed.raters == 4

    @pytest.mark.parametrize("seed", range(5))
    def test_inverse_of_prophecy(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        rho, target = rng.uniform(0.01, 0.9), rng.uniform(0.05, 0.99)
        needed = raters_needed(rho, target)
        assert needed is not None
        assert spearman_brown(rho, needed.exact) == pytest.approx(target, abs=TOL)
        assert spearman_brown(rho, needed.raters) >= target - TOL
        if needed.raters > 1:
            assert spearman_brown(rho, needed.raters - 1) < target

    def test_already_reliable(self) -> None:
        needed = raters_needed(0.9, 0.8)
        assert needed is not None
        assert needed.raters == 1

    def test_no_number_of_raters_suffices(self) -> None:
        assert raters_needed(0.0, 0.7) is None
        assert raters_needed(-0.1, 0.7) is None

    @pytest.mark.parametrize("target", [0.0, 1.0, 1.5])
    def test_target_out_of_range(self, target: float) -> None:
        with pytest.raises(ValueError, match="target"):
            raters_needed(0.3, target)


class TestGroupSummary:
    def test_below_threshold_is_withheld(self) -> None:
        # g: raters 1, 2 (two ratings each) -> 2 raters < 3; h: raters 1, 2, 3
        result = group_summary(
            ["g", "g", "g", "g", "h", "h", "h"],
            [1, 1, 2, 2, 1, 2, 3],
            [5.0, 5, 1, 1, 2, 3, 4],
            anonymity_threshold=3,
        )
        assert result.raters.tolist() == [2, 3]
        assert result.reason.tolist() == [Reason.BELOW_THRESHOLD, None]
        assert math.isnan(result.mean[0])
        assert math.isnan(result.sd[0])
        assert result.ratings[0] == 0
        # h: mean 3, SD 1
        assert result.mean[1] == pytest.approx(3, abs=TOL)
        assert result.sd[1] == pytest.approx(1, abs=TOL)

    def test_against_pandas(self) -> None:
        rng = np.random.default_rng(11)
        frame = pd.DataFrame(
            {
                "group": rng.integers(0, 200, 3000),
                "rater": rng.integers(0, 20, 3000),
                "score": rng.normal(0, 1, 3000),
            }
        )
        result = group_summary(frame.group, frame.rater, frame.score, anonymity_threshold=4)
        raters = frame.groupby("group").rater.nunique()
        shown = raters[raters >= 4].index
        ref = frame[frame.group.isin(shown)].groupby("group").score.agg(["mean", "std", "size"])
        mask = result.reason == None  # noqa: E711
        assert result.group[mask].tolist() == ref.index.tolist()
        np.testing.assert_allclose(result.mean[mask], ref["mean"], rtol=0, atol=TOL)
        np.testing.assert_allclose(result.sd[mask], ref["std"], rtol=0, atol=TOL)
        assert result.ratings[mask].tolist() == ref["size"].tolist()
