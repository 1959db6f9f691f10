package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/gmm2trex/gmm2trex/estimate"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// Fit fits the jobs on GOMAXPROCS goroutines and returns their models in
// job order. Each job's fit depends only on its data and s, so the result is
// the same whatever the parallelism. The first job (in order) that fails is
// the error, naming its object and direction.
//
// When ctx is done, Fit returns ctx.Err() at once: fits already under way
// (estimate takes no context) finish in the background and are dropped.
// Jobs are handed out in order; Cut's order, largest objects first, makes
// that a longest-first schedule.
func Fit(ctx context.Context, jobs []Job, s Settings) ([]*profiles.Direction, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	opts := s.DirectionOptions()
	fits := make([]*profiles.Direction, len(jobs))
	errs := make([]error, len(jobs))
	var mu sync.Mutex // serialises Progress and guards done, stopped
	done, stopped := 0, false
	if s.Progress != nil {
		s.Progress(0, len(jobs))
	}
	order := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for i := range order {
				o := opts
				o.Resolution = jobs[i].Resolution
				fits[i], errs[i] = estimate.FitDirection(jobs[i].IAT, jobs[i].Size, o)
				mu.Lock()
				done++
				if s.Progress != nil && !stopped {
					s.Progress(done, len(jobs))
				}
				mu.Unlock()
			}
		})
	}
	dispatch(ctx, order, len(jobs))
	finished := make(chan struct{})
	go func() {
		wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
	}
	if err := ctx.Err(); err != nil {
		mu.Lock()
		stopped = true
		mu.Unlock()
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", jobs[i].Object.ID, jobs[i].Dir, err)
		}
	}
	return fits, nil
}

// dispatch sends 0..n-1 on order until ctx is done, then closes it.
func dispatch(ctx context.Context, order chan<- int, n int) {
	defer close(order)
	for i := range n {
		// A select with both cases ready picks at random: test ctx first
		// so that a cancelled context starts no more fits.
		if ctx.Err() != nil {
			return
		}
		select {
		case order <- i:
		case <-ctx.Done():
			return
		}
	}
}
