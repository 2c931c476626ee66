// Minimising a function of a few variables over the unit box, without derivatives and
// deterministically: what calibration needs to fit 1–3 efficiency factors to measured levels.
#pragma once

#include <functional>
#include <vector>

namespace tpuplan::detail {

/// The minimum found.
struct BoxMinimum {
  std::vector<double> x; ///< in [0, 1]ⁿ
  double value = 0;
  int evaluations = 0;
};

/// Minimises `f` over [0, 1]ⁿ (1 ≤ n ≤ 4, n = x0.size()): a grid over the whole box finds the
/// basin, then Nelder–Mead (restarted until it stops improving) descends from the best grid
/// point and from `x0`; the better end wins, and never one worse than `x0`. Nelder–Mead needs
/// no gradient and copes with the kinks of absolute-error objectives; the grid keeps it from a
/// local minimum far from the best. Points outside the box are clamped, plus their distance
/// to it, so the search never prefers leaving it. Same inputs, same result.
BoxMinimum minimize_in_unit_box(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0);

} // namespace tpuplan::detail
