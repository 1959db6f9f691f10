package exporters

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/estimate"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// tinyRNN is the tiny profile whose from direction plays a recurrent model
// fitted to 400 packets drawn from its HMM.
func tinyRNN(t testing.TB) *profiles.Profile {
	p := tiny(t)
	obj := &p.Objects[0]
	var iat, size []float64
	for _, pk := range draws(t, obj, profiles.From, sampler.HMM, 1, 400) {
		iat, size = append(iat, pk.Gap), append(size, float64(pk.Size))
	}
	o := estimate.RNNOptions{}
	o.Seed, o.MaxEpochs = 1, 5
	r, err := estimate.FitRNN(iat[1:], size[1:], o)
	if err != nil {
		t.Fatal(err)
	}
	obj.From.RNN, obj.From.Model = r, profiles.ModelRNN
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMoonGenRefusesRNN(t *testing.T) {
	p := tinyRNN(t)
	dir := t.TempDir()
	_, err := Export(p, "moongen", Options{Output: dir + "/x.lua", Model: sampler.Auto})
	if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "plays the rnn model, which the MoonGen script cannot run") {
		t.Errorf("moongen of an rnn direction: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("the refused export left files: %v", ents)
	}
	if _, err := Export(p, "moongen", Options{Output: dir + "/y.lua", Model: sampler.HMM}); err != nil {
		t.Errorf("moongen --model hmm of the same profile: %v", err)
	}
}

// TestCSVPlaysRNN: an export that samples ahead plays the direction's
// network, packet for packet as the sampler draws it.
func TestCSVPlaysRNN(t *testing.T) {
	p := tinyRNN(t)
	const n = 50
	files, _ := export(t, p, "csv", "x.csv", Options{Count: n, Seed: 3, Dirs: []profiles.Dir{profiles.From}, Model: sampler.Auto})
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	want := draws(t, &p.Objects[0], profiles.From, sampler.RNN, 3, n)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")[1:]
	if len(lines) != n {
		t.Fatalf("%d packets exported, want %d", len(lines), n)
	}
	for i, l := range lines {
		f := strings.Split(l, ",")
		if sz, _ := strconv.Atoi(f[2]); sz != want[i].Size {
			t.Fatalf("packet %d: size %d, the sampler's rnn draws %d", i, sz, want[i].Size)
		}
	}
	if g := Generable(&p.Objects[0], sampler.RNN); len(g) != 1 || g[0] != profiles.From {
		t.Errorf("directions generable with rnn: %v, want [from]", g)
	}
}
