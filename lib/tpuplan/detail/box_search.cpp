// Grid + Nelder–Mead over the unit box. Nelder–Mead as in Nelder & Mead (1965) with the
// standard coefficients (reflection 1, expansion 2, contraction ½, shrink ½; Lagarias et al.,
// SIAM J. Optim. 9(1), 1998, the variant MATLAB's fminsearch uses); restarting it from its own
// result with a fresh simplex is the usual cure for its stalls on non-smooth objectives
// (Kelley, "Iterative Methods for Optimization", SIAM 1999, §8.1).
#include <tpuplan/detail/box_search.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace tpuplan::detail {

namespace {

using Point = std::vector<double>;

class Objective {
public:
  explicit Objective(const std::function<double(const Point&)>& f) : m_f(f) {}

  double operator()(const Point& x) {
    ++evaluations;
    Point inside(x.size());
    double outside = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      inside[i] = std::clamp(x[i], 0.0, 1.0);
      outside += std::abs(x[i] - inside[i]);
    }
    return m_f(inside) + outside;
  }

  int evaluations = 0;

private:
  const std::function<double(const Point&)>& m_f;
};

Point clamped(Point x) {
  for (double& v : x) {
    v = std::clamp(v, 0.0, 1.0);
  }
  return x;
}

/// One Nelder–Mead descent from `x0` with a simplex of edge `size`.
std::pair<Point, double> nelder_mead(Objective& f, const Point& x0, double size) {
  const std::size_t n = x0.size();
  std::vector<Point> simplex(n + 1, x0);
  for (std::size_t i = 0; i < n; ++i) {
    // Step into the box from an edge.
    simplex[i + 1][i] += x0[i] + size <= 1.0 ? size : -size;
  }
  std::vector<double> values(n + 1);
  for (std::size_t i = 0; i <= n; ++i) {
    values[i] = f(simplex[i]);
  }
  std::vector<std::size_t> order(n + 1);
  const auto combine = [](const Point& a, const Point& b, double t) { // a + t·(b − a)
    Point out(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      out[i] = a[i] + t * (b[i] - a[i]);
    }
    return out;
  };
  for (int iteration = 0; iteration < 500 * static_cast<int>(n); ++iteration) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    const std::size_t best = order.front();
    const std::size_t worst = order.back();
    const std::size_t second = order[n - 1];
    double diameter = 0;
    for (std::size_t i = 0; i <= n; ++i) {
      for (std::size_t d = 0; d < n; ++d) {
        diameter = std::max(diameter, std::abs(simplex[i][d] - simplex[best][d]));
      }
    }
    if (diameter < 1e-10 || values[worst] - values[best] < 1e-14) {
      break;
    }
    Point centroid(n, 0.0);
    for (std::size_t i = 0; i <= n; ++i) {
      if (i != worst) {
        for (std::size_t d = 0; d < n; ++d) {
          centroid[d] += simplex[i][d] / static_cast<double>(n);
        }
      }
    }
    const Point reflected = combine(centroid, simplex[worst], -1.0);
    const double fr = f(reflected);
    if (fr < values[best]) {
      const Point expanded = combine(centroid, simplex[worst], -2.0);
      const double fe = f(expanded);
      if (fe < fr) {
        simplex[worst] = expanded;
        values[worst] = fe;
      } else {
        simplex[worst] = reflected;
        values[worst] = fr;
      }
      continue;
    }
    if (fr < values[second]) {
      simplex[worst] = reflected;
      values[worst] = fr;
      continue;
    }
    // Contract: outside when the reflection helped a little, inside otherwise.
    const bool outside = fr < values[worst];
    const Point contracted = combine(centroid, outside ? reflected : simplex[worst], 0.5);
    const double fc = f(contracted);
    if (fc < (outside ? fr : values[worst])) {
      simplex[worst] = contracted;
      values[worst] = fc;
      continue;
    }
    for (std::size_t i = 0; i <= n; ++i) {
      if (i != best) {
        simplex[i] = combine(simplex[best], simplex[i], 0.5);
        values[i] = f(simplex[i]);
      }
    }
  }
  const auto best = static_cast<std::size_t>(std::min_element(values.begin(), values.end()) - values.begin());
  return {simplex[best], values[best]};
}

/// Nelder–Mead restarted from its own result until a restart gains nothing.
std::pair<Point, double> descend(Objective& f, const Point& x0) {
  auto [x, value] = nelder_mead(f, x0, 0.1);
  for (int restart = 0; restart < 12; ++restart) {
    auto [next, next_value] = nelder_mead(f, clamped(x), 0.02);
    if (!(next_value < value - 1e-13)) {
      break;
    }
    x = std::move(next);
    value = next_value;
  }
  return {clamped(x), value};
}

} // namespace

BoxMinimum minimize_in_unit_box(const std::function<double(const Point&)>& fn, Point x0) {
  const std::size_t n = x0.size();
  if (n < 1 || n > 4) {
    throw std::invalid_argument("minimize_in_unit_box: 1 to 4 variables");
  }
  x0 = clamped(std::move(x0));
  Objective f(fn);
  // The grid: 41, 15, 9 or 6 points per axis (≤ 1,300 evaluations).
  const int points = n == 1 ? 41 : n == 2 ? 15 : n == 3 ? 9 : 6;
  Point grid_best = x0;
  double grid_value = f(x0);
  std::vector<int> at(n, 0);
  while (true) {
    Point x(n);
    for (std::size_t d = 0; d < n; ++d) {
      x[d] = static_cast<double>(at[d]) / (points - 1);
    }
    const double v = f(x);
    if (v < grid_value) {
      grid_value = v;
      grid_best = x;
    }
    std::size_t d = 0;
    while (d < n && ++at[d] == points) {
      at[d++] = 0;
    }
    if (d == n) {
      break;
    }
  }
  BoxMinimum result;
  auto [x_grid, v_grid] = descend(f, grid_best);
  auto [x_start, v_start] = descend(f, x0);
  if (v_start <= v_grid) {
    result.x = std::move(x_start);
    result.value = v_start;
  } else {
    result.x = std::move(x_grid);
    result.value = v_grid;
  }
  result.evaluations = f.evaluations;
  return result;
}

} // namespace tpuplan::detail
