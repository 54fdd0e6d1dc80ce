/* The C reference for the mixture-density benchmark: the algorithm of rovi's per-point kernel
 * (assembly/descriptor.ts componentLogDensity, then the log-sum-exp of assembly/math.ts) on one
 * point at a time, with libm's exp and log1p. Built by bench/suites/density.mjs with
 * gcc -O3 -march=native.
 *
 * Usage: density <data file>. The file holds, as little-endian doubles: the descriptor's length,
 * the set-up descriptor (assembly/descriptor.ts layout), n, then n x d points. Then, for each
 * line "reps" read from stdin, it evaluates all n points reps times and prints the process CPU
 * time they took in nanoseconds and the sum of the last pass's log densities (a check, and what
 * keeps the work from being optimised away). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define HEADER 8

static double *read_doubles(FILE *f, size_t n) {
  double *v = malloc(n * sizeof *v);
  if (!v || fread(v, sizeof *v, n, f) != n) exit(2);
  return v;
}

static double log_sum_exp(const double *v, int K) {
  double top = -INFINITY;
  int best = 0;
  for (int k = 0; k < K; k++) {
    if (v[k] != v[k]) return v[k];
    if (v[k] > top) top = v[k], best = k;
  }
  if (isinf(top)) return top;
  double rest = 0.0;
  for (int k = 0; k < K; k++) {
    double x = v[k] - top;
    if (k != best && x > -40.0) rest += exp(x);
  }
  return rest == 0.0 ? top : top + log1p(rest);
}

static void log_density(const double *t, const double *points, int n, double *out, double *work) {
  const int full = (int)t[0] == 1, d = (int)t[1], K = (int)t[2];
  const double *means = t + HEADER + K, *factors = means + K * d;
  double *z = work + K;
  for (int j = 0; j < n; j++) {
    const double *x = points + (size_t)j * d;
    for (int k = 0; k < K; k++) {
      const double *m = means + k * d;
      double q = 0.0;
      for (int i = 0; i < d; i++) {
        double s = x[i] - m[i], zi;
        if (full) {
          const double *row = factors + (size_t)k * d * d + (size_t)i * d;
          for (int p = 0; p < i; p++) s -= row[p] * z[p];
          zi = s * row[i];
        } else {
          zi = s * factors[k * d + i];
        }
        z[i] = zi;
        q += zi * zi;
      }
      work[k] = t[HEADER + k] - 0.5 * q;
    }
    out[j] = log_sum_exp(work, K);
  }
}

static double cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 2) return 1;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 1;
  double len;
  if (fread(&len, sizeof len, 1, f) != 1) return 2;
  double *t = read_doubles(f, (size_t)len);
  double nn;
  if (fread(&nn, sizeof nn, 1, f) != 1) return 2;
  const int n = (int)nn, d = (int)t[1], K = (int)t[2];
  double *points = read_doubles(f, (size_t)n * d);
  fclose(f);
  double *out = malloc(n * sizeof *out), *work = malloc((K + d) * sizeof *work);
  long reps;
  while (scanf("%ld", &reps) == 1) {
    double start = cpu_ns();
    for (long r = 0; r < reps; r++) log_density(t, points, n, out, work);
    double ns = cpu_ns() - start, sum = 0.0;
    for (int j = 0; j < n; j++) sum += out[j];
    printf("%.0f %.17g\n", ns, sum);
    fflush(stdout);
  }
  return 0;
}
