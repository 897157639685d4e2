package discord

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>" over
// "<t>.<body>", keyed with DISCORD_SIGNING_SECRET, so a relay in front of
// Discord can tell Fanfare's requests (and fresh ones) from others.
const SignatureHeader = "X-Fanfare-Signature"

func mac(secret []byte, t int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(t, 10) + "."))
	m.Write(body)
	return m.Sum(nil)
}

// Sign is the signature header's value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	return "t=" + strconv.FormatInt(t.Unix(), 10) + ",v1=" + hex.EncodeToString(mac(secret, t.Unix(), body))
}

// Verify checks a signature header against body, and that it was made
// within tolerance of now: what a relay runs.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var t int64
	var sig []byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			t, _ = strconv.ParseInt(v, 10, 64)
		case "v1":
			sig, _ = hex.DecodeString(v)
		}
	}
	if t == 0 || sig == nil {
		return errors.New("malformed signature")
	}
	if d := now.Sub(time.Unix(t, 0)); d > tolerance || d < -tolerance {
		return errors.New("signature too old")
	}
	if !hmac.Equal(sig, mac(secret, t, body)) {
		return errors.New("signature does not match")
	}
	return nil
}
