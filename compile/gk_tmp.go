package compile

import "context"

func checkWithGatekeeper(ctx context.Context, out *Output) error { return nil }
