package server

// Route is one registered API operation, for the tests of package
// server_test.
type Route struct{ Method, Pattern, Operation string }

// Routes returns the API operations the router registers, in order.
func Routes() []Route {
	routes := make([]Route, len(operations))
	for i, op := range operations {
		routes[i] = Route{op.method, op.pattern, op.name}
	}
	return routes
}
