// Package api holds the wire types of the traffic-mirroring API: the request
// bodies with their lenient decoding and their conversion to domain values,
// the response bodies, and the error body. The server and the client share
// them so that the two cannot drift.
package api
