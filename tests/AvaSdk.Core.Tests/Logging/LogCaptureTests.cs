using System.Collections.Generic;
using System.Threading.Tasks;
using AvaSdk.Logging;
using Xunit;

namespace AvaSdk.Core.Tests.Logging
{
    public class LogCaptureTests
    {
        [Fact]
        public async Task Sees_what_is_logged_inside_it_including_from_tasks_it_starts()
        {
            List<string> seen;
            using (var capture = LogCapture.Begin())
            {
                InstanceLog.Detached.Information("on the caller's thread");
                await Task.Run(() => InstanceLog.Detached.Information("on a worker"));
                seen = Drain(capture);
            }
            Assert.Equal(new[] { "on the caller's thread", "on a worker" }, seen);
        }

        [Fact]
        public void Sees_nothing_after_it_is_closed()
        {
            var capture = LogCapture.Begin();
            capture.Dispose();
            InstanceLog.Detached.Information("after");
            Assert.Empty(Drain(capture));
        }

        [Fact]
        public void A_nested_capture_takes_events_until_it_closes()
        {
            using var outer = LogCapture.Begin();
            using (var inner = LogCapture.Begin())
            {
                InstanceLog.Detached.Information("inner");
                Assert.Equal(new[] { "inner" }, Drain(inner));
            }
            InstanceLog.Detached.Information("outer");
            Assert.Equal(new[] { "outer" }, Drain(outer));
        }

        private static List<string> Drain(LogCapture capture)
        {
            var messages = new List<string>();
            while (capture.TryTake(out var message))
                messages.Add(message);
            return messages;
        }
    }
}
