package builtin

import (
	"strings"
	"testing"
)

func TestBuiltinsLoad(t *testing.T) {
	list := List()
	if len(list) < 2 {
		t.Fatalf("built-in profiles: %+v", list)
	}
	for _, b := range list {
		p, err := Load(b.Name)
		if err != nil {
			t.Errorf("%s: %v", b.Name, err)
			continue
		}
		if b.Objects == 0 || b.Description == "" {
			t.Errorf("%s: info %+v", b.Name, b)
		}
		for _, o := range p.Objects {
			if o.From == nil || o.From.HMM == nil {
				t.Errorf("%s: object %s: the from direction has no HMM", b.Name, o.ID)
			}
		}
	}
	if _, err := Load("nope"); err == nil || !strings.Contains(err.Error(), "sample-rtp") {
		t.Errorf("unknown name: err = %v, want the list of names", err)
	}
}
