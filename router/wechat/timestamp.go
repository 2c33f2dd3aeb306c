package wechat

import "time"

// sentAt is a message's CreateTime (Unix seconds) as a time; zero when it
// is not positive.
func sentAt(createTime int64) time.Time {
	if createTime <= 0 {
		return time.Time{}
	}
	return time.Unix(createTime, 0)
}
