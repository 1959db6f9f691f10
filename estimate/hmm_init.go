package estimate

import (
	"math/rand/v2"

	"github.com/gmm2trex/gmm2trex/internal/gauss"
)

// Initialisation of a GMM-HMM from a hard clustering: each cluster becomes a
// state, its members' k-means sub-clusters become the state's mixture
// components, and the transition matrix is counted from consecutive labels.
// Clustering windows of consecutive observations (rather than single ones)
// gives states that remember where they are in a repeating pattern, which
// Baum-Welch alone rarely discovers from a memoryless start.

// hmmKMeans clusters the n×d points into at most k groups (kmeans with
// uniform weights and at most iters Lloyd passes; an emptied cluster takes
// a random point, so k stays k) and returns the labels.
func hmmKMeans(rng *rand.Rand, pts []float64, d, k, iters int) []int {
	labels, _ := kmeans(rng, pts, d, nil, k, iters, true)
	return labels
}

// hmmEmbed stacks each observation with the window-1 before it (the first
// ones repeat observation 0), weighting older lags less so the current
// value dominates the clustering.
func hmmEmbed(x []float64, d, window int) []float64 {
	n := len(x) / d
	out := make([]float64, n*d*window)
	for t := 0; t < n; t++ {
		for l := 0; l < window; l++ {
			src := max(t-l, 0)
			wt := 1.0
			if l > 0 {
				wt = 0.7
			}
			for a := 0; a < d; a++ {
				out[(t*window+l)*d+a] = wt * x[src*d+a]
			}
		}
	}
	return out
}

// labelCounts counts the transitions between consecutive labels (k
// states, row-major from → to).
func labelCounts(labels []int, k int) []float64 {
	counts := make([]float64, k*k)
	for t := 1; t < len(labels); t++ {
		counts[labels[t-1]*k+labels[t]]++
	}
	return counts
}

// hmmInitFromLabels builds a k-state, m-component model from state labels.
func hmmInitFromLabels(rng *rand.Rand, x []float64, d, k, m int, labels []int, varFloor float64) *hmmModel {
	n := len(x) / d
	h := newHMMModel(d, k, m)
	counts := labelCounts(labels[:n], k)
	for s := range counts {
		counts[s] += 0.5 // keeps unseen transitions possible
	}
	for i := 0; i < k; i++ {
		var sum float64
		for j := 0; j < k; j++ {
			sum += counts[i*k+j]
		}
		for j := 0; j < k; j++ {
			h.trans[i*k+j] = counts[i*k+j] / sum
		}
	}
	members := make([][]float64, k)
	for t := 0; t < n; t++ {
		members[labels[t]] = append(members[labels[t]], x[t*d:t*d+d]...)
	}
	for s := 0; s < k; s++ {
		h.start[s] = (float64(len(members[s])/d) + 1) / float64(n+k)
		pts := members[s]
		np := len(pts) / d
		if np == 0 {
			// An empty state starts as a broad unit Gaussian at a random
			// observation; Baum-Welch moves it or lets it go.
			p := rng.IntN(n)
			for j := 0; j < m; j++ {
				c := &h.g[s*m+j]
				c.w = 1 / float64(m)
				copy(c.mean, x[p*d:p*d+d])
				for a := 0; a < d; a++ {
					c.cov[a*d+a] = 1
				}
			}
			continue
		}
		sub := hmmKMeans(rng, pts, d, m, 20)
		hmmMoments(h.g[s*m:(s+1)*m], pts, d, sub, varFloor)
	}
	return h
}

// hmmMoments sets each component's weight, mean and covariance from the
// points labelled with it; components with no points are retired.
func hmmMoments(g []hmmGauss, pts []float64, d int, lab []int, varFloor float64) {
	np := len(pts) / d
	cnt := make([]float64, len(g))
	for i := range g {
		clear(g[i].mean)
		clear(g[i].cov)
	}
	for i := 0; i < np; i++ {
		c := &g[lab[i]]
		cnt[lab[i]]++
		for a := 0; a < d; a++ {
			c.mean[a] += pts[i*d+a]
		}
	}
	for j := range g {
		if cnt[j] > 0 {
			for a := 0; a < d; a++ {
				g[j].mean[a] /= cnt[j]
			}
		}
	}
	for i := 0; i < np; i++ {
		c := &g[lab[i]]
		p := pts[i*d : i*d+d]
		for a := 0; a < d; a++ {
			for b := 0; b < d; b++ {
				c.cov[a*d+b] += (p[a] - c.mean[a]) * (p[b] - c.mean[b])
			}
		}
	}
	for j := range g {
		c := &g[j]
		if cnt[j] == 0 {
			c.w = 0
			for a := 0; a < d; a++ {
				c.cov[a*d+a] = 1
			}
			continue
		}
		c.w = cnt[j] / float64(np)
		for a := range c.cov {
			c.cov[a] /= cnt[j]
		}
		gauss.Constrain(c.cov, d, varFloor, hmmMaxCorr)
	}
}
