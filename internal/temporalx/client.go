package temporalx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
)

// Dial connects to the Temporal frontend at hostPort in namespace. Every
// client of the platform is made here, so the logger and the data converter
// (where a payload codec for encryption would go) are the same everywhere.
func Dial(ctx context.Context, hostPort, namespace string, log *slog.Logger) (client.Client, error) {
	c, err := client.DialContext(ctx, clientOptions(hostPort, namespace, log))
	if err != nil {
		return nil, fmt.Errorf("connect to temporal at %s: %w", hostPort, err)
	}
	return c, nil
}

func clientOptions(hostPort, namespace string, log *slog.Logger) client.Options {
	return client.Options{
		HostPort:      hostPort,
		Namespace:     namespace,
		Logger:        sdklog.NewStructuredLogger(log.With("component", "temporal")),
		DataConverter: converter.GetDefaultDataConverter(),
	}
}

func isAlreadyExists(err error) bool {
	var ae *serviceerror.AlreadyExists
	return errors.As(err, &ae)
}
