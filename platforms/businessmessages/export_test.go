package businessmessages

import (
	fakebm "github.com/omnisim/omnisim/fakes/businessmessages"
	"github.com/omnisim/omnisim/sim"
)

// Fake is the fake platform of an open Business Messages binding, for the
// tests outside the package.
func Fake(b sim.Binding) *fakebm.Server { return b.(*binding).fake }
