// Package platforms is the platform table: every messaging platform omnisim
// simulates, each bound to the simulator by its own glue package. The table
// is the one place that lists them; the scenario format, the simulator, the
// reports and the CLI take it from here.
package platforms

import (
	"github.com/omnisim/omnisim/platforms/businessmessages"
	"github.com/omnisim/omnisim/platforms/douyin"
	"github.com/omnisim/omnisim/platforms/line"
	"github.com/omnisim/omnisim/platforms/messenger"
	"github.com/omnisim/omnisim/platforms/wechat"
	"github.com/omnisim/omnisim/platforms/whatsapp"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// All lists the platforms in table order. The first is the channel of a
// scenario's customers that name none.
var All = []*sim.Platform{
	whatsapp.Platform,
	wechat.Platform,
	businessmessages.Platform,
	douyin.Platform,
	line.Platform,
	messenger.Platform,
}

// Format is the scenario language over every platform of the table.
var Format = format(All)

func format(ps []*sim.Platform) *scenario.Format {
	f := &scenario.Format{}
	for _, p := range ps {
		f.Channels = append(f.Channels, p.Spec)
	}
	return f
}

// Lookup returns the platform of a channel name.
func Lookup(name string) (*sim.Platform, bool) {
	for _, p := range All {
		if p.Name() == name {
			return p, true
		}
	}
	return nil, false
}
