package estimate

import "math"

// Viterbi decoding.

// viterbi returns the most likely state path of x under h (log space).
func (h *hmmModel) viterbi(x []float64) ([]int, error) {
	n := len(x) / h.d
	w := newHMMWork(n, h.d, h.k, h.m)
	if err := h.prepare(); err != nil {
		return nil, err
	}
	w.emissions(h, x)
	k := h.k
	logA := make([]float64, k*k)
	for i, p := range h.trans {
		logA[i] = math.Log(p)
	}
	back := make([]int32, n*k)
	cur, nxt := make([]float64, k), make([]float64, k)
	for s := 0; s < k; s++ {
		cur[s] = math.Log(h.start[s]) + math.Log(w.b[s])
	}
	for t := 1; t < n; t++ {
		bt := w.b[t*k : (t+1)*k]
		for j := 0; j < k; j++ {
			best, arg := math.Inf(-1), 0
			for i := 0; i < k; i++ {
				if v := cur[i] + logA[i*k+j]; v > best {
					best, arg = v, i
				}
			}
			nxt[j] = best + math.Log(bt[j])
			back[t*k+j] = int32(arg)
		}
		cur, nxt = nxt, cur
	}
	path := make([]int, n)
	best := math.Inf(-1)
	for s, v := range cur {
		if v > best {
			best, path[n-1] = v, s
		}
	}
	if math.IsInf(best, -1) {
		return nil, errHMMDegenerate
	}
	for t := n - 1; t > 0; t-- {
		path[t-1] = int(back[t*k+path[t]])
	}
	return path, nil
}
