// Package gauss is the one Gaussian core of gmm2trex: the Cholesky factor of
// a covariance (with its log-determinant), the log-density from that factor,
// the M-step from sufficient statistics, and draws. Matrices are flat d×d
// row-major slices; nothing here allocates except CholeskyRows.
package gauss
