package webhook

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The test vector of meta-graph.md §8 (computed with an independent tool).
const (
	vectorSecret = "example-app-secret"
	vectorBody   = `{"object":"page","entry":[{"id":"102030405060708","time":1767225600,"changes":[{"field":"leadgen","value":{"ad_id":"120200000000000001","adgroup_id":"120200000000000001","form_id":"987654321098765","leadgen_id":"1122334455667788","created_time":1767225590,"page_id":"102030405060708"}}]}]}`
	vector256    = "sha256=a608788a34ae35f12826788b345d2ec0290b978b02b4ad8a11fa843e70e7f9de"
	vectorSHA1   = "sha1=47cc1bab3cb375ce5ea2940aaffc353191feb1e8"
)

func TestSignMatchesReferenceVector(t *testing.T) {
	require.Len(t, vectorBody, 289)
	assert.Equal(t, vector256, Sign([]byte(vectorBody), vectorSecret))
	assert.Equal(t, vectorSHA1, signSHA1([]byte(vectorBody), vectorSecret))
	assert.NoError(t, Verify([]byte(vectorBody), vector256, vectorSecret))
	assert.NoError(t, Verify([]byte(vectorBody), strings.ToUpper(vector256[:6])+strings.ToUpper(vector256[6:]), vectorSecret),
		"algorithm name and hex digits are case-insensitive")
}

func TestVerifyRejects(t *testing.T) {
	body := []byte(vectorBody)
	tampered := []byte(strings.Replace(vectorBody, "1122334455667788", "1122334455667789", 1))
	// The same JSON re-encoded with other whitespace is different bytes.
	reencoded := []byte(strings.Replace(vectorBody, `"object":"page"`, `"object": "page"`, 1))
	cases := []struct {
		name    string
		payload []byte
		header  string
		secret  string
		want    error
	}{
		{"empty header", body, "", vectorSecret, ErrNotSigned},
		{"blank header", body, "   ", vectorSecret, ErrNotSigned},
		{"sha1 value in the sha256 header", body, vectorSHA1, vectorSecret, ErrInvalidSignature},
		{"no algorithm", body, vector256[len("sha256="):], vectorSecret, ErrInvalidSignature},
		{"not hex", body, "sha256=" + strings.Repeat("zz", 32), vectorSecret, ErrInvalidSignature},
		{"truncated", body, vector256[:len(vector256)-2], vectorSecret, ErrInvalidSignature},
		{"wrong secret", body, vector256, "another-app-secret", ErrInvalidSignature},
		{"tampered payload", tampered, vector256, vectorSecret, ErrInvalidSignature},
		{"re-encoded payload", reencoded, vector256, vectorSecret, ErrInvalidSignature},
		{"empty secret", body, Sign(body, ""), "", ErrInvalidSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.payload, c.header, c.secret)
			require.Error(t, err)
			assert.True(t, errors.Is(err, c.want), "got %v", err)
		})
	}
}

func TestVerifyNonASCIIPayloadAsSent(t *testing.T) {
	// Meta escapes non-ASCII as \uXXXX; the HMAC covers those exact bytes.
	sent := []byte(`{"object":"page","entry":[],"note":"J'ai mang\u00e9"}`)
	decoded := []byte(`{"object":"page","entry":[],"note":"J'ai mangé"}`)
	sig := Sign(sent, testSecret)
	assert.NoError(t, Verify(sent, sig, testSecret))
	assert.ErrorIs(t, Verify(decoded, sig, testSecret), ErrInvalidSignature)
}
