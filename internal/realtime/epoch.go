package realtime

import "github.com/fanfare/fanfare/models"

// newEpoch names one lifetime of a room's seq counter: a client holding a
// seq from another epoch cannot be caught up from history.
func newEpoch() string { return models.NewID().String()[24:] }
