// Package client is a small Go client of the traffic-mirroring API: one
// method per operation of ../shared/spec/README.md §2, requests signed with
// auth.Sign, bodies and responses in the wire types of package api, so that
// the client and the server cannot drift apart.
//
// The CLI uses it instead of Huawei's SDK because the SDK's list requests
// cannot send a filter with several values (?name=a&name=b).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/auth"
)

// DefaultTimeout bounds one request of a Client made without WithHTTPClient.
const DefaultTimeout = time.Minute

// maxErrorBody bounds how much of an error response is read: an error body
// is a small JSON object, and a misconfigured endpoint (a web server that is
// not trafficmirror) must not make the client read a whole page into memory.
const maxErrorBody = 64 << 10

// Client calls the API of one server for one project. It is safe for
// concurrent use.
type Client struct {
	endpoint   string
	accessKey  string
	secretKey  string
	projectID  string
	httpClient *http.Client
	userAgent  string
	now        func() time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through hc.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.httpClient = hc }
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithClock makes the client sign requests with the time now returns, for
// tests of signature expiry.
func WithClock(now func() time.Time) Option {
	return func(c *Client) { c.now = now }
}

// New returns a client of the server at endpoint (a URL such as
// http://127.0.0.1:9696, optionally with a path prefix) that signs with the
// access key pair and works in projectID. The endpoint is checked by the
// first request, which fails with a clear error when it is not an http or
// https URL.
func New(endpoint, accessKey, secretKey, projectID string, opts ...Option) *Client {
	c := &Client{
		endpoint:   strings.TrimRight(endpoint, "/"),
		accessKey:  accessKey,
		secretKey:  secretKey,
		projectID:  projectID,
		httpClient: &http.Client{Timeout: DefaultTimeout},
		userAgent:  "trafficmirror-client",
		now:        time.Now,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// APIError is an error response of the API (../shared/spec/errors.md §1).
type APIError struct {
	Status    int    // the HTTP status, 400 or more
	Code      string // error_code, such as "VPC.9201"; "" when the body had none
	Message   string // error_msg, or the raw body when it was not an API error
	RequestID string // the X-Request-Id header, or the body's request_id
}

// Error returns the code, the message, the status and the request ID, all
// that a user needs to report the failure.
func (e *APIError) Error() string {
	code := e.Code
	if code == "" {
		code = "HTTP " + fmt.Sprint(e.Status)
	}
	id := e.RequestID
	if id == "" {
		id = "none"
	}
	return fmt.Sprintf("%s: %s (status %d, request id %s)", code, e.Message, e.Status, id)
}

// url returns the URL of the API path below /v3/{project_id}/vpc/, whose
// segments are escaped here.
func (c *Client) url(segments []string, query url.Values) (*url.URL, error) {
	if c.projectID == "" {
		return nil, errors.New("no project ID")
	}
	base, err := url.Parse(c.endpoint)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("invalid endpoint %q: want a URL such as http://127.0.0.1:9696", c.endpoint)
	}
	var b strings.Builder
	b.WriteString(c.endpoint)
	b.WriteString("/v3/")
	b.WriteString(url.PathEscape(c.projectID))
	b.WriteString("/vpc")
	for _, s := range segments {
		if s == "" {
			// An empty ID would silently turn "show" into "list".
			return nil, errors.New("empty resource ID")
		}
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	u, err := url.Parse(b.String())
	if err != nil {
		return nil, fmt.Errorf("build request URL: %w", err)
	}
	// Encode sorts the keys and keeps every value of a repeated key as its
	// own key=value pair, which is how the API takes several values.
	u.RawQuery = query.Encode()
	return u, nil
}

// do sends one signed request and decodes a success response into out (when
// out is not nil). body, when not nil, is encoded as JSON. A response with a
// status of 400 or more is returned as an *APIError.
func (c *Client) do(ctx context.Context, method string, segments []string, query url.Values, body, out any) error {
	u, err := c.url(segments, query)
	if err != nil {
		return err
	}
	var payload []byte
	if body != nil {
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encode request body: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// The header lets the server check the project as the SDK's requests do
	// (auth.md §6); it is signed like every header but Content-Type.
	req.Header.Set("X-Project-Id", c.projectID)
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if err := auth.Sign(req, payload, c.accessKey, c.secretKey, c.now()); err != nil {
		return err
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return newAPIError(resp)
	}
	if out == nil {
		// Drain so that the connection can be reused.
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode response (status %d): %w", method, u.Path, resp.StatusCode, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

// newAPIError reads an error response.
func newAPIError(resp *http.Response) *APIError {
	e := &APIError{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body api.ErrorResponse
	// The SDK takes error_code and error_msg only when both are non-empty
	// (errors.md §2); so does this client, and shows anything else raw.
	if json.Unmarshal(raw, &body) == nil && body.ErrorCode != "" && body.ErrorMsg != "" {
		e.Code, e.Message = body.ErrorCode, body.ErrorMsg
		if e.RequestID == "" {
			e.RequestID = body.RequestID
		}
		return e
	}
	e.Message = strings.TrimSpace(string(raw))
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}
