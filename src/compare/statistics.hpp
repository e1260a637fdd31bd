#pragma once
// What `expt compare` needs to say whether a difference between two groups of runs is real:
// mean, sample standard deviation, Student's t distribution and Welch's unequal-variance t-test.
#include <optional>
#include <span>

namespace expt {

double mean(std::span<const double> values);
double sample_std(std::span<const double> values);  // n - 1 in the denominator; 0 for n < 2

// Regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz).
double incomplete_beta(double a, double b, double x);

// Student's t distribution with `df` > 0 degrees of freedom (fractional allowed, as Welch's
// test needs); infinite df is the standard normal.
double student_t_cdf(double t, double df);
double student_t_two_sided_p(double t, double df);  // P(|T| >= |t|), without cancellation
double student_t_quantile(double p, double df);     // inverse of student_t_cdf, 0 < p < 1

struct WelchResult {
  double difference = 0;      // mean(a) - mean(b)
  double standard_error = 0;  // sqrt(var_a / n_a + var_b / n_b)
  double df = 0;              // Welch-Satterthwaite degrees of freedom
  double t = 0;
  double p_value = 1;         // two-sided
  double low = 0, high = 0;   // confidence interval of the difference
};

// Empty when either group has fewer than two values (no variance estimate, no interval).
std::optional<WelchResult> welch_test(std::span<const double> a, std::span<const double> b,
                                      double confidence = 0.95);

}  // namespace expt
