"""From one value to points: linear between floor and target, bands, deductions, and the gap to full points."""

from decimal import Decimal as D

from apps.scoring.ranking.points import Spec, auto_points, banded, deduction_points, gap, linear, q


def spec(**kw) -> Spec:
    return Spec(id=1, code="x", name="指标", look="political", method=kw.pop("method", "auto"), **kw)


def test_linear_is_zero_at_the_floor_full_at_the_target_and_straight_between():
    # floor 60, target 100, 12 points: 80 is half way → 6.00; 90 → 12 × 30/40 = 9.00
    assert linear(D(60), floor=D(60), target=D(100), max_points=D(12)) == D("0.00")
    assert linear(D(40), floor=D(60), target=D(100), max_points=D(12)) == D("0.00")  # below the floor
    assert linear(D(80), floor=D(60), target=D(100), max_points=D(12)) == D("6.00")
    assert linear(D(90), floor=D(60), target=D(100), max_points=D(12)) == D("9.00")
    assert linear(D(120), floor=D(60), target=D(100), max_points=D(12)) == D("12.00")  # beyond the target
    # 12 × (61 − 60)/40 = 0.30; 5 × 1/3 = 1.666… → 1.67 (half up)
    assert linear(D(61), floor=D(60), target=D(100), max_points=D(12)) == D("0.30")
    assert linear(D(1), floor=D(0), target=D(3), max_points=D(5)) == D("1.67")


def test_linear_lower_is_better_when_the_floor_is_above_the_target():
    # incidents: 0 → full, 4 → 0, 1 → 8 × 3/4 = 6
    assert linear(D(0), floor=D(4), target=D(0), max_points=D(8)) == D("8.00")
    assert linear(D(1), floor=D(4), target=D(0), max_points=D(8)) == D("6.00")
    assert linear(D(5), floor=D(4), target=D(0), max_points=D(8)) == D("0.00")


def test_equal_floor_and_target_is_all_or_nothing():
    assert linear(D(100), floor=D(100), target=D(100), max_points=D(4)) == D(4)
    assert linear(D("99.9"), floor=D(100), target=D(100), max_points=D(4)) == D(0)


def test_bands_give_the_highest_band_reached_never_above_the_max():
    bands = ((D(5), D(8)), (D(3), D(6)), (D(1), D(3)))
    assert banded(D(0), bands=bands, max_points=D(8)) == D("0.00")
    assert banded(D(1), bands=bands, max_points=D(8)) == D("3.00")
    assert banded(D("4.9"), bands=bands, max_points=D(8)) == D("6.00")
    assert banded(D(5), bands=bands, max_points=D(8)) == D("8.00")
    assert banded(D(50), bands=((D(1), D(20)),), max_points=D(8)) == D("8.00")
    assert auto_points(spec(max_points=D(8), mapping="bands", bands=bands), D(3)) == D("6.00")


def test_auto_points_default_to_zero_to_one_hundred():
    # no floor/target: 0 → 0, 100 → full; 75% of 8 = 6
    assert auto_points(spec(max_points=D(8)), D(75)) == D("6.00")


def test_deduction_is_value_times_per_unit_up_to_the_cap():
    # two yellow cards of 3 points each: 2 × 3 = 6; five: 15 capped at 10
    assert deduction_points(spec(method="deduction", max_points=D(10), per_unit=D(3)), D(2)) == D("6.00")
    assert deduction_points(spec(method="deduction", max_points=D(10), per_unit=D(3)), D(5)) == D("10.00")
    assert deduction_points(spec(method="deduction", max_points=D(10)), D("2.5")) == D("2.50")  # per unit 1


def test_gap_says_what_raises_an_auto_indicator_to_full_points():
    linear_spec = spec(max_points=D(12), floor=D(60), target=D(100))
    assert gap(linear_spec, D(80), D(6)) == {"value": "80", "goal": "100", "adds": "6.00"}
    assert gap(linear_spec, D(100), D(12)) is None  # full already
    assert gap(spec(method="manual", max_points=D(12)), None, D(0)) is None  # only auto indicators
    bands = spec(max_points=D(8), mapping="bands", bands=((D(5), D(8)), (D(3), D(6))))
    assert gap(bands, D(3), D(6)) == {"value": "3", "goal": "5", "adds": "2.00"}


def test_points_round_half_up_to_the_hundredth():
    assert q(D("1.005")) == D("1.01") and q(D("1.004")) == D("1.00")
