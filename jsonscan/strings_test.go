package jsonscan

import "testing"

// Fill hands each kept field its own string, in field order, from one
// copy; an empty string and a field not kept are not handed; Reset
// empties it.
func TestStrings(t *testing.T) {
	var s Strings
	s.Keep(3, []byte("three"))
	s.Keep(0, []byte("zero"))
	s.Keep(5, nil)
	s.Keep(MaxFields-1, []byte("last"))
	var d Scanner
	d.Reset([]byte(`"a\u00e9b"`))
	d.KeepStr(&s, 7)
	var got []string
	var fields []int
	s.Fill(func(f int, v string) { fields, got = append(fields, f), append(got, v) })
	want := []string{"zero", "three", "a\u00e9b", "last"}
	wantFields := []int{0, 3, 7, MaxFields - 1}
	if len(got) != len(want) {
		t.Fatalf("Fill handed %v %q, want %v %q", fields, got, wantFields, want)
	}
	for i := range want {
		if got[i] != want[i] || fields[i] != wantFields[i] {
			t.Fatalf("Fill handed %v %q, want %v %q", fields, got, wantFields, want)
		}
	}
	s.Reset()
	s.Fill(func(f int, v string) { t.Errorf("after Reset: field %d %q", f, v) })
}
