package realtime

import (
	"errors"
	"testing"

	"github.com/fanfare/fanfare/models"
)

func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"join_room","id":"1","room":"artist:x","data":{"seq":3,"epoch":"e"}}`,
		`{"type":"ping"}`, `{"type":"typing_start","room":"conversation:1"}`, `{}`, `[]`, `null`,
		`{"type":"x","data":"s"}`, `{"type":"x"} {"type":"y"}`, `{"type":1}`, `{"type":"x","data":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b)
		if err != nil {
			var e *models.Error
			if !errors.As(err, &e) || e.Code != models.CodeInvalid {
				t.Fatalf("not an invalid-input error: %v", err)
			}
			return
		}
		if fr.Type == "" || len(fr.Type) > maxTypeLen || len(fr.ID) > maxIDLen || len(fr.Room) > maxRoomLen {
			t.Fatalf("accepted a frame outside the limits: %+v", fr)
		}
	})
}

func FuzzFrameSeq(f *testing.F) {
	f.Add(withHeader(5, 1700000000000, []byte(`"type":"x","room":"r","data":{}}`)))
	f.Add([]byte(`{"ts":1,"type":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		frameSeq(b) // must not panic on anything a history list could hold
	})
}
