package fuzz

import (
	"context"
	"testing"
)

// FuzzWorld turns raw fuzzing bytes into a whole case (NewCaseFromBytes:
// gofuzz.NewFromGoFuzz with the domain's generator functions), plays it
// through the World and the wire and checks every invariant, determinism
// included. Invalid cases are skipped. Plain go test runs the checked-in
// corpus in testdata/fuzz/FuzzWorld; go test -fuzz=FuzzWorld explores.
func FuzzWorld(f *testing.F) {
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewCaseFromBytes(data, nil)
		if err := c.Validate(); err != nil {
			t.Skipf("invalid case: %v", firstLine(err.Error()))
		}
		vs, tr, err := Check(context.Background(), c.Scenario, Invariants())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			t.Errorf("%v", v)
		}
		if t.Failed() {
			t.Logf("the case: %s, %d events", describe(c.Scenario), len(tr.Events))
		}
	})
}
