package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// Signature header names sent by Meta.
const (
	// HeaderSignature256 carries "sha256=<hex HMAC-SHA256 of the raw body>".
	HeaderSignature256 = "X-Hub-Signature-256"
	// HeaderSignatureSHA1 carries the legacy "sha1=<hex HMAC-SHA1>"; the
	// Handler accepts it alone only when Config.AllowSHA1 is set.
	HeaderSignatureSHA1 = "X-Hub-Signature"
)

var errEmptySecret = fmt.Errorf("%w: empty app secret", ErrInvalidSignature)

// Sign returns the X-Hub-Signature-256 value ("sha256=<lowercase hex>") of
// payload: the HMAC-SHA256 of the exact bytes keyed with the app secret. It is
// meant for tests and fake servers.
func Sign(payload []byte, appSecret string) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(payload)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks an X-Hub-Signature-256 header value ("sha256=<hex>") against
// the raw payload bytes in constant time. It returns nil on a match,
// ErrNotSigned for an empty header and an error wrapping ErrInvalidSignature
// for anything else, including an empty appSecret (it never passes unsigned
// or unverifiable payloads). Hash the bytes as received: JSON that was decoded
// and re-encoded does not verify.
func Verify(payload []byte, signatureHeader, appSecret string) error {
	if appSecret == "" {
		return errEmptySecret
	}
	return verifyMAC(hmac.New(sha256.New, []byte(appSecret)), "sha256", payload, signatureHeader)
}

// verifyMAC checks header ("<algo>=<hex>") against payload with mac, which is
// reset first.
func verifyMAC(mac hash.Hash, algo string, payload []byte, header string) error {
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrNotSigned
	}
	name, hexSig, ok := strings.Cut(header, "=")
	if !ok || !strings.EqualFold(name, algo) {
		return fmt.Errorf("%w: not a %s signature", ErrInvalidSignature, algo)
	}
	if len(hexSig) != 2*mac.Size() {
		return fmt.Errorf("%w: wrong signature length", ErrInvalidSignature)
	}
	var buf [sha256.Size]byte
	got := buf[:mac.Size()]
	if _, err := hex.Decode(got, []byte(hexSig)); err != nil {
		return fmt.Errorf("%w: signature is not hex", ErrInvalidSignature)
	}
	mac.Reset()
	mac.Write(payload)
	var sum [sha256.Size]byte
	if !hmac.Equal(mac.Sum(sum[:0]), got) {
		return ErrInvalidSignature
	}
	return nil
}
