package cache

import (
	"strconv"
	"time"
)

// Age says how long before now t was, in the largest whole unit: "12s",
// "4m", "2h", "3d", for labels such as "cached 4m ago". A t after now (a
// clock that moved back) is "0s". It is the one age formatter: the
// commands and the TUI both print ages with it, so they say the same.
func Age(t time.Time, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	default:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
}
