package sim

// ErlangA is erlangA for the tests of package sim_test.
var ErlangA = erlangA
