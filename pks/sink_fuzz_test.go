package pks

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func fuzzSeeds(f *testing.F) {
	for _, fr := range referenceFrames {
		f.Add([]byte(fr))
	}
	f.Add([]byte(strings.Join(referenceFrames, "")))
	f.Add([]byte(eventMsg("default", "a", "vm-1", "Started container") + "\n"))
	f.Add([]byte("99 <14>1 - - - - - -\n12 <14>1 x\n"))
	f.Add([]byte("5 <14>"))
	f.Add([]byte("<14>1 2019-01-25T09:26:44+00:00 h k8s.event/a/b/ - - [kubernetes@47450 namespace_name=\"a\\\"\"] caf\xe9\n"))
	f.Add([]byte("999999999 x"))
}

// FuzzFramer: any byte stream is split into frames no longer than the
// limit, the framer always reaches the end, and every byte is accounted
// for as part of a frame, a rejected frame, or a separator.
func FuzzFramer(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 256
		fr := newFramer(bytes.NewReader(data), limit)
		for steps := 0; ; steps++ {
			if steps > len(data)+2 {
				t.Fatalf("framer made %d steps over %d bytes", steps, len(data))
			}
			frame, ferr, err := fr.next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("stream error %v", err)
				}
				return
			}
			if len(frame) > limit+maxCountDigits+1 {
				t.Fatalf("frame of %d bytes over the %d limit", len(frame), limit)
			}
			if frame == nil && ferr == nil {
				t.Fatal("neither a frame nor an error")
			}
			if ferr != nil && len(ferr.Raw) > rawExcerpt {
				t.Fatalf("rejected excerpt of %d bytes", len(ferr.Raw))
			}
		}
	})
}

// FuzzParse: any frame either parses into an event with a valid UTF-8
// message and a known class, or gives a FrameError; never a panic.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	p := newParser()
	f.Fuzz(func(t *testing.T, frame []byte) {
		var ev Event
		kind, ferr := p.parse(frame, &ev)
		if ferr != nil {
			if ferr.Kind == "" || ferr.Detail == "" {
				t.Fatalf("bare frame error %+v", ferr)
			}
			return
		}
		if kind != kindEvent {
			return
		}
		finish(&ev, frame, ev.Time)
		if !utf8.ValidString(ev.Message) || !utf8.ValidString(ev.Raw) {
			t.Fatalf("invalid UTF-8 left in %q / %q", ev.Message, ev.Raw)
		}
		if ev.Class.Severity() >= len(Classes) {
			t.Fatalf("unknown class %q", ev.Class)
		}
	})
}
