#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "compare/statistics.hpp"

using namespace expt;

TEST_CASE("statistics: mean and sample standard deviation by hand") {
  const std::vector<double> v{0.89, 0.90, 0.88};
  CHECK(mean(v) == doctest::Approx(0.89));
  // Deviations 0, +0.01, -0.01: (0 + 1e-4 + 1e-4) / (3 - 1) = 1e-4, sqrt = 0.01.
  CHECK(sample_std(v) == doctest::Approx(0.01));
  CHECK(sample_std(std::vector<double>{0.5}) == 0);
}

TEST_CASE("statistics: Student t quantiles match the printed tables") {
  // Two-sided 95% critical values t_{0.975, df}, as tabulated (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
  const struct {
    double df, t;
  } table[] = {{1, 12.706204736}, {2, 4.302652730}, {3, 3.182446305}, {4, 2.776445105}, {5, 2.570581836},
               {10, 2.228138852}, {30, 2.042272456}, {100, 1.983971519}};
  for (const auto& row : table) {
    CAPTURE(row.df);
    CHECK(student_t_quantile(0.975, row.df) == doctest::Approx(row.t).epsilon(1e-9));
    CHECK(student_t_quantile(0.025, row.df) == doctest::Approx(-row.t).epsilon(1e-9));
  }
  CHECK(student_t_quantile(0.995, 5) == doctest::Approx(4.032142984).epsilon(1e-9));
  CHECK(student_t_quantile(0.95, 10) == doctest::Approx(1.812461123).epsilon(1e-9));
  CHECK(student_t_quantile(0.975, 1e7) == doctest::Approx(1.959963985).epsilon(1e-6));  // the normal limit
  CHECK(student_t_quantile(0.5, 3) == 0);
}

TEST_CASE("statistics: Student t CDF against closed forms for df 1 and 2") {
  for (double t : {-7.0, -1.3, 0.0, 0.4, 2.5, 30.0}) {
    CAPTURE(t);
    // df = 1 is the Cauchy distribution; df = 2 has F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
    CHECK(student_t_cdf(t, 1) == doctest::Approx(0.5 + std::atan(t) / std::numbers::pi).epsilon(1e-12));
    CHECK(student_t_cdf(t, 2) == doctest::Approx(0.5 + t / (2 * std::sqrt(2 + t * t))).epsilon(1e-12));
  }
  for (double p : {0.6, 0.9, 0.999}) {
    CAPTURE(p);
    CHECK(student_t_quantile(p, 1) == doctest::Approx(std::tan(std::numbers::pi * (p - 0.5))).epsilon(1e-10));
    CHECK(student_t_quantile(p, 2) == doctest::Approx((2 * p - 1) / std::sqrt(2 * p * (1 - p))).epsilon(1e-10));
  }
}

TEST_CASE("statistics: Student t CDF for fractional df against integrating the density") {
  // Welch's df is rarely whole. Simpson's rule over the density from 0 to t, independent of the
  // incomplete beta function the CDF uses.
  for (double df : {1.2148, 2.5, 7.3}) {
    const double norm = std::exp(std::lgamma((df + 1) / 2) - std::lgamma(df / 2)) / std::sqrt(df * std::numbers::pi);
    auto density = [&](double x) { return norm * std::pow(1 + x * x / df, -(df + 1) / 2); };
    for (double t : {0.7, 2.1, 4.0}) {
      const int n = 20000;
      const double h = t / n;
      double sum = density(0) + density(t);
      for (int i = 1; i < n; ++i) sum += density(i * h) * (i % 2 ? 4 : 2);
      CAPTURE(df);
      CAPTURE(t);
      CHECK(student_t_cdf(t, df) == doctest::Approx(0.5 + sum * h / 3).epsilon(1e-10));
    }
    CHECK(student_t_cdf(student_t_quantile(0.975, df), df) == doctest::Approx(0.975).epsilon(1e-12));
  }
}

TEST_CASE("statistics: Welch interval, worked by hand with equal variances") {
  // A = {0.89, 0.90, 0.88}: mean 0.89, s^2 = 1e-4.  B = {0.80, 0.82, 0.81}: mean 0.81, s^2 = 1e-4.
  // se = sqrt(1e-4/3 + 1e-4/3) = 0.0081649658; df = (2e-4/3)^2 / (2 * (1e-4/3)^2 / 2) = 4;
  // t = 0.08 / se = 9.797959; half-width = t_{0.975,4} * se = 2.776445105 * 0.0081649658 = 0.0226695;
  // interval [0.0573305, 0.1026695].
  const auto w = welch_test(std::vector<double>{0.89, 0.90, 0.88}, std::vector<double>{0.80, 0.82, 0.81});
  REQUIRE(w);
  CHECK(w->difference == doctest::Approx(0.08));
  CHECK(w->standard_error == doctest::Approx(0.0081649658));
  CHECK(w->df == doctest::Approx(4.0));
  CHECK(w->t == doctest::Approx(9.797959));
  CHECK(w->low == doctest::Approx(0.0573305).epsilon(1e-6));
  CHECK(w->high == doctest::Approx(0.1026695).epsilon(1e-6));
  CHECK(w->p_value == doctest::Approx(2 * (1 - student_t_cdf(9.797959, 4))));
  CHECK(w->p_value < 0.001);
}

TEST_CASE("statistics: Welch interval with unequal variances and sizes") {
  // A = {0.80, 0.82, 0.84, 0.86}: mean 0.83, s^2 = (9 + 1 + 1 + 9)e-4 / 3 = 6.6667e-4, /4 = 1.66667e-4.
  // B = {0.70, 0.78}: mean 0.74, s^2 = (16 + 16)e-4 / 1 = 3.2e-3, /2 = 1.6e-3.
  // se = sqrt(1.766667e-3) = 0.04203173; df = (1.766667e-3)^2 / ((1.66667e-4)^2 / 3 + (1.6e-3)^2 / 1) = 1.214790;
  // t = 0.09 / se = 2.141239.
  const auto w = welch_test(std::vector<double>{0.80, 0.82, 0.84, 0.86}, std::vector<double>{0.70, 0.78});
  REQUIRE(w);
  CHECK(w->difference == doctest::Approx(0.09));
  CHECK(w->standard_error == doctest::Approx(0.04203173));
  CHECK(w->df == doctest::Approx(1.214790).epsilon(1e-6));
  CHECK(w->t == doctest::Approx(2.141239).epsilon(1e-6));
  const double half = student_t_quantile(0.975, w->df) * w->standard_error;
  CHECK(w->high - w->difference == doctest::Approx(half));
  CHECK(w->low < 0);  // with one degree of freedom and a bit, 0.09 is not enough
}

TEST_CASE("statistics: Welch needs two runs a side; identical runs give an exact difference") {
  CHECK_FALSE(welch_test(std::vector<double>{0.9}, std::vector<double>{0.8, 0.7}));
  const auto w = welch_test(std::vector<double>{0.9, 0.9}, std::vector<double>{0.8, 0.8});
  REQUIRE(w);
  CHECK(w->low == doctest::Approx(0.1));
  CHECK(w->high == doctest::Approx(0.1));
  CHECK(w->p_value == 0);
}
