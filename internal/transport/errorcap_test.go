package transport_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ecademy/leadkit/internal/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type bodyRT struct {
	status int
	body   []byte
	read   *int64
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

func (b bodyRT) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: b.status,
		Header:     http.Header{},
		Body:       io.NopCloser(countingReader{bytes.NewReader(b.body), b.read}),
		Request:    req,
	}, nil
}

func TestErrorBodiesAreCutAtTheErrorCap(t *testing.T) {
	var read int64
	big := []byte(`{"error":{"message":"` + strings.Repeat("x", 5000) + `"}}`)
	tr, err := transport.New(transport.Config{
		Base:              bodyRT{status: 400, body: big, read: &read},
		MaxErrorBodyBytes: 100,
		Policy:            transport.Policy{MaxAttempts: 1},
	})
	require.NoError(t, err)
	u, _ := url.Parse("https://api.example.com/x")
	resp, err := tr.Do(context.Background(), transport.Request{Method: "GET", URL: u, Idempotent: true})
	require.NoError(t, err, "an oversized error body is cut, not a failure")
	assert.Equal(t, 400, resp.StatusCode)
	assert.Equal(t, big[:100], resp.Body)
	assert.LessOrEqual(t, read, int64(100+bytes.MinRead), "the rest of the error body is not read")

	read = 0
	ok, err := transport.New(transport.Config{
		Base:              bodyRT{status: 200, body: big, read: &read},
		MaxErrorBodyBytes: 100,
		Policy:            transport.Policy{MaxAttempts: 1},
	})
	require.NoError(t, err)
	resp, err = ok.Do(context.Background(), transport.Request{Method: "GET", URL: u, Idempotent: true})
	require.NoError(t, err)
	assert.Equal(t, big, resp.Body, "success bodies keep the general cap")

	_, err = transport.New(transport.Config{MaxErrorBodyBytes: -1})
	assert.Error(t, err)
}
