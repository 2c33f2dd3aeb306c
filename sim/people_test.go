package sim

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/scenario"
)

// TestPeople plays random puts (new people and replacements) and removals
// of keys that share few customer ids over several channels and accounts,
// so that people of one id chain, on a people index and on a map, and
// compares every lookup and the people listed.
func TestPeople(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := newPeople()
	want := map[router.CustomerKey]*person{}
	randKey := func() router.CustomerKey {
		return router.CustomerKey{Channel: []string{"whatsapp", "line"}[rng.IntN(2)], Account: []string{"", "acct"}[rng.IntN(2)],
			Customer: "u" + strconv.Itoa(rng.IntN(6))}
	}
	for step := range 20000 {
		k := randKey()
		if rng.IntN(2) == 0 {
			p := &person{key: k}
			x.put(p)
			want[k] = p
		} else {
			x.remove(k)
			delete(want, k)
		}
		if q := randKey(); x.get(q) != want[q] {
			t.Fatalf("step %d: get(%v) = %p, want %p", step, q, x.get(q), want[q])
		}
		seen := 0
		x.all(func(p *person) {
			seen++
			if want[p.key] != p {
				t.Fatalf("step %d: all lists %v's person %p, want %p", step, p.key, p, want[p.key])
			}
		})
		if seen != len(want) {
			t.Fatalf("step %d: all lists %d people, want %d", step, seen, len(want))
		}
	}
}

// TestReuseSetsEveryField: a released generated customer's record, with
// every field set (its script aside, which a record keeps), comes back
// from flow.newPerson as the new record newPerson makes with the same
// values: no field of the last customer is left behind, whichever fields
// the record has. The world is worn (World.worn), as one is where a
// record's rarely set fields are.
func TestReuseSetsEveryField(t *testing.T) {
	w := World{worn: true}
	f := &flow{w: &w, tr: &scenario.Traffic{Channel: "whatsapp"}, account: "acct"}
	fresh := f.newPerson("t7", "15550001", 3, time.Minute)
	// Another flow's customer, with every field set to something.
	old := &person{}
	v := reflect.ValueOf(old).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if name := v.Type().Field(i).Name; name == "script" || name == "_" { // the padding is never set
			continue
		}
		fill(reflect.NewAt(f.Type(), f.Addr().UnsafePointer()).Elem(), i)
	}
	s := &script{}
	old.script = s
	w.spare = append(w.spare, old)
	got := f.newPerson("t7", "15550001", 3, time.Minute)
	if got != old {
		t.Fatal("the released record was not reused")
	}
	if got.script != s {
		t.Error("the record lost its script")
	}
	got.script = nil
	if !reflect.DeepEqual(got, fresh) {
		t.Errorf("reused record\n%+v\nwant\n%+v", *got, *fresh)
	}
}

// fill sets v, a settable value, to something other than its zero value.
func fill(v reflect.Value, seed int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x" + strconv.Itoa(seed))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(seed + 1))
	case reflect.Uint64, reflect.Uint32, reflect.Uint:
		v.SetUint(uint64(seed + 1))
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Field(i)
			fill(reflect.NewAt(f.Type(), f.Addr().UnsafePointer()).Elem(), seed+i)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
	case reflect.Interface:
		v.Set(reflect.ValueOf(&stubBinding{}))
	default:
		panic("fill: a field of kind " + v.Kind().String())
	}
}

// stubBinding is a Binding that fill puts in a record's interface field.
type stubBinding struct{ Binding }

// TestPersonLayout holds a person to the 384-byte size class, whose
// records start on a cache line, and the fields that a generated
// customer's actions and conversation events read to its fifth line, as
// the comment on person says.
func TestPersonLayout(t *testing.T) {
	var p person
	if n := unsafe.Sizeof(p); n <= 352 || n > 384 {
		t.Errorf("a person is %d bytes, out of the 384-byte size class", n)
	}
	for _, f := range []struct {
		name      string
		off, size uintptr
	}{
		{"flow", unsafe.Offsetof(p.flow), unsafe.Sizeof(p.flow)},
		{"messages", unsafe.Offsetof(p.messages), unsafe.Sizeof(p.messages)},
		{"open", unsafe.Offsetof(p.open), unsafe.Sizeof(p.open)},
		{"live", unsafe.Offsetof(p.live), unsafe.Sizeof(p.live)},
		{"liveID", unsafe.Offsetof(p.liveID), unsafe.Sizeof(p.liveID)},
		{"pending", unsafe.Offsetof(p.pending), unsafe.Sizeof(p.pending)},
		{"conversed", unsafe.Offsetof(p.conversed), unsafe.Sizeof(p.conversed)},
		{"tracking", unsafe.Offsetof(p.tracking), unsafe.Sizeof(p.tracking)},
		{"forgotten", unsafe.Offsetof(p.forgotten), unsafe.Sizeof(p.forgotten)},
	} {
		if f.off < 256 || f.off+f.size > 320 {
			t.Errorf("person.%s is at bytes %d to %d, out of the fifth line (256 to 320)", f.name, f.off, f.off+f.size)
		}
	}
}

// TestScriptFitsALine holds a script to the allocator's 64-byte size
// class, one cache line, as its comment says.
func TestScriptFitsALine(t *testing.T) {
	if n := unsafe.Sizeof(script{}); n > 64 {
		t.Errorf("a script is %d bytes, past one 64-byte line", n)
	}
}
