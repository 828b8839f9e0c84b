using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using NebulaVideo.Core;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Gateways;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// Which connection serves a dialect, a task or a bare id. Every set reads a dictionary instead of the
    /// process environment, so no real variable is touched.
    /// </summary>
    public sealed class ConnectionSetTests
    {
        private const string UnifiedTaskId = "task-unified-1757169743-7cvnl5zw";
        private const string NebulaTaskId = "ae8eb420-8aa6-440a-8eb8-1d1afe8d5e97";
        private const string Secret = "sk-secret";

        private static readonly Uri NebulaPublic = new Uri("https://llm.ai-nebula.com/");
        private static readonly Uri UnifiedPublic = new Uri("https://ai.odkkk.com/apiv1/");
        private static readonly Uri Emulator = new Uri("http://127.0.0.1:5080/apiv1/");

        private static ConnectionSet Set(params (string Name, string Value)[] environment)
        {
            var values = environment.ToDictionary(e => e.Name, e => e.Value);
            return new ConnectionSet(environment: name => values.TryGetValue(name, out var v) ? v : null);
        }

        private static GatewayConnection Connection(string name, IGatewayDialect dialect, Uri? baseUri = null, string key = Secret) =>
            new GatewayConnection(name, dialect, baseUri ?? dialect.DefaultBaseUri, GatewayConnection.SecureKey(key), "Connect-NebulaVideo");

        // ---- The default -------------------------------------------------------------------------------

        [Fact]
        public void The_first_connection_added_is_the_default()
        {
            var set = Set();
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: false);
            set.Add(Connection("uni", Dialects.Unified), makeDefault: false);
            Assert.Equal(new[] { "neb" }, set.List().Where(c => c.IsDefault).Select(c => c.Name).ToArray());
            Assert.Same(Dialects.Nebula, set.DefaultDialect);
        }

        [Fact]
        public void Adding_with_make_default_moves_the_default()
        {
            var set = Set();
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: false);
            set.Add(Connection("uni", Dialects.Unified), makeDefault: true);
            Assert.Equal(new[] { "uni" }, set.List().Where(c => c.IsDefault).Select(c => c.Name).ToArray());
            Assert.Same(Dialects.Unified, set.DefaultDialect);
        }

        [Fact]
        public void Removing_the_default_passes_it_to_the_oldest_connection_left()
        {
            var set = Set();
            set.Add(Connection("a", Dialects.Nebula), makeDefault: false);
            set.Add(Connection("b", Dialects.Unified), makeDefault: false);
            set.Add(Connection("c", Dialects.Nebula), makeDefault: true);
            Assert.True(set.Remove("C"));
            Assert.Equal(new[] { "a" }, set.List().Where(c => c.IsDefault).Select(c => c.Name).ToArray());
            Assert.True(set.Remove("a"));
            Assert.Equal(new[] { "b" }, set.List().Where(c => c.IsDefault).Select(c => c.Name).ToArray());
            Assert.Same(Dialects.Unified, set.DefaultDialect);
            Assert.False(set.Remove("a"));
        }

        [Fact]
        public void Removing_another_connection_keeps_the_default()
        {
            var set = Set();
            set.Add(Connection("a", Dialects.Nebula), makeDefault: false);
            set.Add(Connection("b", Dialects.Unified), makeDefault: true);
            set.Remove("a");
            Assert.Equal(new[] { "b" }, set.List().Where(c => c.IsDefault).Select(c => c.Name).ToArray());
        }

        [Fact]
        public void The_default_dialect_follows_the_default_connection()
        {
            var set = Set(("NEBULA_API_KEY", Secret), ("UNIFIED_API_KEY", Secret));
            Assert.Same(Dialects.Nebula, set.DefaultDialect);
            set.Add(Connection("uni", Dialects.Unified), makeDefault: false);
            Assert.Same(Dialects.Unified, set.DefaultDialect);
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: true);
            Assert.Same(Dialects.Nebula, set.DefaultDialect);
            set.Remove("neb");
            Assert.Same(Dialects.Unified, set.DefaultDialect);
        }

        [Fact]
        public void Without_connections_the_default_dialect_is_the_one_whose_key_is_set()
        {
            Assert.Same(Dialects.Unified, Set(("UNIFIED_API_KEY", Secret)).DefaultDialect);
            Assert.Same(Dialects.Nebula, Set().DefaultDialect);
        }

        // ---- ForDialect --------------------------------------------------------------------------------

        [Fact]
        public void For_a_dialect_the_default_wins_when_it_speaks_it()
        {
            var set = Set(("UNIFIED_API_KEY", Secret));
            set.Add(Connection("uni-1", Dialects.Unified), makeDefault: false);
            set.Add(Connection("uni-2", Dialects.Unified), makeDefault: true);
            Assert.Equal("uni-2", set.ForDialect(Dialects.Unified).Name);
        }

        [Fact]
        public void For_a_dialect_the_default_does_not_speak_the_first_registered_that_does_serves()
        {
            var set = Set(("UNIFIED_API_KEY", Secret));
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: true);
            set.Add(Connection("uni-1", Dialects.Unified), makeDefault: false);
            set.Add(Connection("uni-2", Dialects.Unified), makeDefault: false);
            Assert.Equal("uni-1", set.ForDialect(Dialects.Unified).Name);
            Assert.Equal("neb", set.ForDialect(Dialects.Nebula).Name);
        }

        [Fact]
        public void Without_a_registered_connection_the_environments_serves_at_the_public_address()
        {
            var set = Set(("UNIFIED_API_KEY", Secret), ("NEBULA_API_KEY", Secret));
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: true);

            var unified = set.ForDialect(Dialects.Unified);
            Assert.Equal("Unified", unified.Name);
            Assert.Same(Dialects.Unified, unified.Dialect);
            Assert.Equal("UNIFIED_API_KEY", unified.KeySource);
            Assert.Equal(UnifiedPublic, unified.BaseUri);

            var nebula = Set(("NEBULA_API_KEY", Secret)).ForDialect(Dialects.Nebula);
            Assert.Equal(("Nebula", "NEBULA_API_KEY", NebulaPublic), (nebula.Name, nebula.KeySource, nebula.BaseUri));
        }

        [Fact]
        public void The_environments_base_uri_variable_moves_its_connection()
        {
            var set = Set(("UNIFIED_API_KEY", Secret), ("UNIFIED_BASE_URI", "http://127.0.0.1:5080/apiv1"),
                ("NEBULA_API_KEY", Secret), ("NEBULA_BASE_URI", "https://nebula.example.com/gw/"));
            Assert.Equal(Emulator, set.ForDialect(Dialects.Unified).BaseUri);
            Assert.Equal(new Uri("https://nebula.example.com/gw/"), set.ForDialect(Dialects.Nebula).BaseUri);
        }

        [Fact]
        public void An_empty_base_uri_variable_leaves_the_public_address() =>
            Assert.Equal(UnifiedPublic, Set(("UNIFIED_API_KEY", Secret), ("UNIFIED_BASE_URI", "  ")).ForDialect(Dialects.Unified).BaseUri);

        [Fact]
        public void A_base_uri_variable_that_is_not_an_address_is_refused()
        {
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => Set(("UNIFIED_API_KEY", Secret), ("UNIFIED_BASE_URI", "not an address")).ForDialect(Dialects.Unified));
            Assert.Equal("BaseUriInvalid", ex.Id.Name);
            Assert.Equal("not an address", ex.Target);
        }

        [Theory]
        [InlineData("Unified", "UNIFIED_API_KEY")]
        [InlineData("Nebula", "NEBULA_API_KEY")]
        public void Without_any_connection_or_key_the_dialect_is_refused_naming_its_variable(string dialect, string variable)
        {
            var set = Set(("OTHER", Secret), (variable == "UNIFIED_API_KEY" ? "NEBULA_API_KEY" : "UNIFIED_API_KEY", Secret));
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => set.ForDialect(Dialects.Get(dialect)));
            Assert.Equal("ApiKeyMissing", ex.Id.Name);
            Assert.Equal(ErrorKind.AuthenticationError, ex.Kind);
            Assert.Equal(dialect, ex.Target);
            Assert.Contains(variable, ex.Message);
            Assert.Contains(variable, ex.RecommendedAction);
        }

        [Fact]
        public void An_empty_key_variable_counts_as_unset()
        {
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => Set(("UNIFIED_API_KEY", "")).ForDialect(Dialects.Unified));
            Assert.Equal("ApiKeyMissing", ex.Id.Name);
        }

        [Fact]
        public void A_named_connection_of_the_wrong_dialect_is_refused()
        {
            var set = Set();
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: true);
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => set.ForDialect(Dialects.Unified, "neb", "wan2.5-image-to-video"));
            Assert.Equal("ConnectionDialectMismatch", ex.Id.Name);
            Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
            Assert.Equal("neb", ex.Target);
            Assert.Equal("neb", set.ForDialect(Dialects.Nebula, "NEB").Name);
        }

        [Fact]
        public void An_unknown_connection_name_is_not_found()
        {
            var set = Set(("UNIFIED_API_KEY", Secret));
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: true);
            foreach (var call in new Action[] { () => set.ForDialect(Dialects.Unified, "nope"), () => set.Named("nope"), () => set.ForTask(new VideoTask { TaskId = UnifiedTaskId }, "nope") })
            {
                var ex = Assert.ThrowsAny<NebulaVideoException>(call);
                Assert.Equal("ConnectionNotFound", ex.Id.Name);
                Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
                Assert.Equal("nope", ex.Target);
            }
        }

        [Fact]
        public void The_environments_connection_can_be_named_after_its_dialect() =>
            Assert.Equal("UNIFIED_API_KEY", Set(("UNIFIED_API_KEY", Secret)).Named("unified").KeySource);

        // ---- ForTask -----------------------------------------------------------------------------------

        [Fact]
        public void A_task_goes_back_to_the_connection_that_submitted_it_while_it_serves_the_tasks_gateway()
        {
            var set = Set();
            set.Add(Connection("first", Dialects.Unified, UnifiedPublic), makeDefault: true);
            set.Add(Connection("second", Dialects.Unified, UnifiedPublic), makeDefault: false);
            var task = new VideoTask { TaskId = UnifiedTaskId, Dialect = "Unified", Gateway = UnifiedPublic, Connection = "second" };
            Assert.Equal("second", set.ForTask(task).Name);
        }

        [Fact]
        public void A_task_whose_connection_moved_elsewhere_goes_to_one_serving_its_gateway()
        {
            var set = Set();
            set.Add(Connection("work", Dialects.Unified, new Uri("https://other.example.com/")), makeDefault: true);
            set.Add(Connection("emulator", Dialects.Unified, Emulator), makeDefault: false);
            var task = new VideoTask { TaskId = UnifiedTaskId, Dialect = "Unified", Gateway = Emulator, Connection = "work" };
            Assert.Equal("emulator", set.ForTask(task).Name);
        }

        [Fact]
        public void A_task_without_a_connection_name_is_routed_by_its_gateway_including_the_path_prefix()
        {
            var set = Set();
            set.Add(Connection("root", Dialects.Unified, new Uri("http://127.0.0.1:5080/")), makeDefault: true);
            set.Add(Connection("prefixed", Dialects.Unified, Emulator), makeDefault: false);
            Assert.Equal("prefixed", set.ForTask(new VideoTask { TaskId = UnifiedTaskId, Dialect = "Unified", Gateway = Emulator }).Name);
            Assert.Equal("prefixed", set.ForTask(new VideoTask { TaskId = UnifiedTaskId, Gateway = new Uri("http://127.0.0.1:5080/apiv1") }).Name);
            Assert.Equal("root", set.ForTask(new VideoTask { TaskId = UnifiedTaskId, Gateway = new Uri("http://127.0.0.1:5080/") }).Name);
        }

        [Fact]
        public void A_task_on_the_environments_gateway_goes_to_the_environments_connection()
        {
            var set = Set(("UNIFIED_API_KEY", Secret), ("UNIFIED_BASE_URI", "http://127.0.0.1:5080/apiv1/"));
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: true);
            var connection = set.ForTask(new VideoTask { TaskId = UnifiedTaskId, Dialect = "Unified", Gateway = Emulator, Connection = "Unified" });
            Assert.Equal(("Unified", "UNIFIED_API_KEY"), (connection.Name, connection.KeySource));
        }

        [Fact]
        public void A_bare_task_is_routed_by_the_shape_of_its_id()
        {
            var set = Set();
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: true);
            set.Add(Connection("uni", Dialects.Unified), makeDefault: false);
            Assert.Equal("uni", set.ForTask(new VideoTask { TaskId = UnifiedTaskId }).Name);
            Assert.Equal("neb", set.ForTask(new VideoTask { TaskId = NebulaTaskId }).Name);
            Assert.Equal("neb", set.ForTask(new VideoTask { TaskId = "video_123" }).Name);
        }

        [Fact]
        public void A_bare_unified_task_without_a_unified_connection_names_the_missing_key()
        {
            var set = Set();
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: true);
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => set.ForTask(new VideoTask { TaskId = UnifiedTaskId }));
            Assert.Equal("ApiKeyMissing", ex.Id.Name);
            Assert.Contains("UNIFIED_API_KEY", ex.RecommendedAction);
        }

        [Fact]
        public void A_task_whose_gateway_no_connection_serves_is_from_another_gateway()
        {
            var set = Set(("UNIFIED_API_KEY", Secret));
            set.Add(Connection("uni", Dialects.Unified, Emulator), makeDefault: true);
            var task = new VideoTask { TaskId = UnifiedTaskId, Dialect = "Unified", Gateway = new Uri("https://other.example.com/apiv1/"), Connection = "uni" };
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => set.ForTask(task));
            Assert.Equal("TaskFromOtherGateway", ex.Id.Name);
            Assert.Equal(ErrorKind.InvalidOperation, ex.Kind);
            Assert.Same(task, ex.Target);
            Assert.Contains("https://other.example.com/apiv1/", ex.RecommendedAction);
        }

        [Fact]
        public void A_task_on_a_sibling_path_of_the_same_host_is_from_another_gateway()
        {
            var set = Set();
            set.Add(Connection("uni", Dialects.Unified, Emulator), makeDefault: true);
            var task = new VideoTask { TaskId = UnifiedTaskId, Dialect = "Unified", Gateway = new Uri("http://127.0.0.1:5080/apiv2/") };
            Assert.Equal("TaskFromOtherGateway", Assert.ThrowsAny<NebulaVideoException>(() => set.ForTask(task)).Id.Name);
        }

        [Fact]
        public void A_task_recorded_with_a_plain_http_remote_gateway_is_from_another_gateway()
        {
            // A journal can hold any address; reading it back must not fail on the address check for new connections.
            var set = Set();
            set.Add(Connection("uni", Dialects.Unified), makeDefault: true);
            var task = new VideoTask { TaskId = UnifiedTaskId, Dialect = "Unified", Gateway = new Uri("http://gateway.example.com/apiv1/") };
            Assert.Equal("TaskFromOtherGateway", Assert.ThrowsAny<NebulaVideoException>(() => set.ForTask(task)).Id.Name);
        }

        [Fact]
        public void A_task_on_a_gateway_served_by_a_connection_of_another_dialect_is_not_sent_there()
        {
            var set = Set();
            set.Add(Connection("neb", Dialects.Nebula, Emulator), makeDefault: true);
            var task = new VideoTask { TaskId = UnifiedTaskId, Dialect = "Unified", Gateway = Emulator };
            Assert.Equal("TaskFromOtherGateway", Assert.ThrowsAny<NebulaVideoException>(() => set.ForTask(task)).Id.Name);
        }

        // ---- List and the key --------------------------------------------------------------------------

        [Fact]
        public void The_list_has_the_registered_connections_first_then_the_environments()
        {
            var set = Set(("NEBULA_API_KEY", Secret), ("UNIFIED_API_KEY", Secret));
            set.Add(Connection("work", Dialects.Unified), makeDefault: false);
            set.Add(Connection("neb", Dialects.Nebula), makeDefault: false);
            var list = set.List();
            Assert.Equal(new[] { "work", "neb", "Nebula", "Unified" }, list.Select(c => c.Name).ToArray());
            Assert.Equal(new[] { "Unified", "Nebula", "Nebula", "Unified" }, list.Select(c => c.Dialect).ToArray());
            Assert.Equal(new[] { true, false, false, false }, list.Select(c => c.IsDefault).ToArray());
            Assert.Equal(new[] { "Connect-NebulaVideo", "Connect-NebulaVideo", "NEBULA_API_KEY", "UNIFIED_API_KEY" }, list.Select(c => c.KeySource).ToArray());
        }

        [Fact]
        public void An_environment_connection_shadowed_by_a_registered_one_of_the_same_name_is_listed_once()
        {
            var set = Set(("UNIFIED_API_KEY", Secret), ("NEBULA_API_KEY", Secret));
            set.Add(Connection("unified", Dialects.Unified, Emulator), makeDefault: false);
            var list = set.List();
            Assert.Single(list, c => string.Equals(c.Name, "Unified", StringComparison.OrdinalIgnoreCase));
            Assert.Equal(new[] { "unified", "Nebula" }, list.Select(c => c.Name).ToArray());
            Assert.Equal(Emulator, list[0].BaseUri);
            Assert.Equal(Emulator, set.ForDialect(Dialects.Unified).BaseUri);
        }

        [Fact]
        public void No_listed_or_connection_property_holds_the_key()
        {
            var set = Set(("NEBULA_API_KEY", Secret), ("UNIFIED_API_KEY", Secret));
            set.Add(Connection("work", Dialects.Unified, Emulator), makeDefault: true);

            foreach (var property in typeof(ConnectionSummary).GetProperties().Concat(typeof(GatewayConnection).GetProperties()))
                Assert.NotEqual(typeof(SecureString), property.PropertyType);

            var shown = new List<string?>();
            foreach (var summary in set.List())
            {
                shown.Add(summary.ToString());
                shown.AddRange(typeof(ConnectionSummary).GetProperties().Select(p => p.GetValue(summary)?.ToString()));
            }
            foreach (var connection in new[] { set.ForDialect(Dialects.Unified), set.ForDialect(Dialects.Nebula), set.Named("Unified") })
            {
                shown.Add(connection.ToString());
                shown.AddRange(typeof(GatewayConnection).GetProperties().Select(p => p.GetValue(connection)?.ToString()));
            }
            Assert.All(shown, text => Assert.DoesNotContain(Secret, text ?? string.Empty));
        }

        [Fact]
        public void The_key_is_kept_as_given_for_the_connections_own_requests()
        {
            var key = GatewayConnection.SecureKey("sk-secret-123");
            Assert.True(key.IsReadOnly());
            var connection = new GatewayConnection("work", Dialects.Unified, UnifiedPublic, key, "test");
            Assert.Equal("sk-secret-123", connection.RevealKey());
        }

        [Fact]
        public void Clear_forgets_the_registered_connections_but_not_the_environments()
        {
            var set = Set(("UNIFIED_API_KEY", Secret));
            set.Add(Connection("work", Dialects.Nebula), makeDefault: true);
            set.Clear();
            Assert.Equal(new[] { "Unified" }, set.List().Select(c => c.Name).ToArray());
            Assert.False(set.List()[0].IsDefault);
            Assert.Same(Dialects.Unified, set.DefaultDialect);
        }

        [Fact]
        public void Adding_a_name_again_replaces_the_connection()
        {
            var set = Set();
            set.Add(Connection("work", Dialects.Unified, UnifiedPublic), makeDefault: true);
            set.Add(Connection("WORK", Dialects.Unified, Emulator), makeDefault: false);
            var list = set.List();
            Assert.Single(list);
            Assert.Equal(Emulator, list[0].BaseUri);
            Assert.True(list[0].IsDefault);
        }

        // ---- GatewayConnection -------------------------------------------------------------------------

        [Theory]
        [InlineData("http://gateway.example.com/")]
        [InlineData("http://10.0.0.5:8080/apiv1/")]
        public void A_plain_http_address_off_this_machine_is_refused(string address)
        {
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => Connection("x", Dialects.Unified, new Uri(address)));
            Assert.Equal("BaseUriInsecure", ex.Id.Name);
            Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        }

        [Theory]
        [InlineData("http://127.0.0.1:5080/apiv1/")]
        [InlineData("http://localhost:5080/")]
        [InlineData("http://[::1]:5080/")]
        public void Plain_http_to_this_machine_is_allowed_for_the_emulator(string address) =>
            Assert.Equal(new Uri(address), Connection("x", Dialects.Unified, new Uri(address)).BaseUri);

        [Theory]
        [InlineData("https://alice:s3cret@gateway.example.com:8443/apiv1/", "https://gateway.example.com:8443/apiv1/")]
        [InlineData("https://alice:s3cret@gateway.example.com/", "https://gateway.example.com/")]
        [InlineData("https://alice@gateway.example.com:8443/", "https://gateway.example.com:8443/")]
        [InlineData("http://alice:s3cret@[::1]:5080/apiv1", "http://[::1]:5080/apiv1")]
        public void An_address_with_user_info_is_refused_echoing_scheme_host_port_and_path_only(string address, string shown)
        {
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => Connection("x", Dialects.Unified, new Uri(address)));
            AssertRefusedShowing(ex, shown);
        }

        [Fact]
        public void The_environments_connection_is_built_once_and_anew_only_when_its_variables_change()
        {
            var values = new Dictionary<string, string?> { ["NEBULA_API_KEY"] = Secret };
            var set = new ConnectionSet(name => values.TryGetValue(name, out var v) ? v : null);

            var first = set.ForDialect(Dialects.Nebula);
            Assert.Same(first, set.ForDialect(Dialects.Nebula));
            Assert.Same(first, set.Named("Nebula"));
            Assert.Same(first, set.ForTask(new VideoTask { TaskId = "ae8eb420-8aa6-440a-8eb8-1d1afe8d5e97" }));

            values["NEBULA_BASE_URI"] = "https://other.example.com";
            var moved = set.ForDialect(Dialects.Nebula);
            Assert.NotSame(first, moved);
            Assert.Equal(new Uri("https://other.example.com/"), moved.BaseUri);

            values["NEBULA_API_KEY"] = Secret + "-rotated";
            var rotated = set.ForDialect(Dialects.Nebula);
            Assert.NotSame(moved, rotated);
            Assert.Equal(Secret + "-rotated", rotated.RevealKey());
        }

        [Fact]
        public void An_address_with_user_info_but_no_scheme_is_refused_without_its_user_info()
        {
            // "alice:s3cret@host" parses as an address of the scheme "alice": the text before the @ is never repeated.
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => Connection("x", Dialects.Unified, new Uri("alice:s3cret@gateway.example.com:8443/apiv1/")));
            AssertRefusedShowing(ex, "...@gateway.example.com:8443/apiv1/");
        }

        [Fact]
        public void A_base_uri_variable_with_user_info_is_refused_the_same_way()
        {
            var set = Set(("UNIFIED_API_KEY", Secret), ("UNIFIED_BASE_URI", "https://alice:s3cret@gateway.example.com:8443/apiv1/"));
            AssertRefusedShowing(Assert.ThrowsAny<NebulaVideoException>(() => set.ForDialect(Dialects.Unified)), "https://gateway.example.com:8443/apiv1/");
        }

        private static void AssertRefusedShowing(NebulaVideoException ex, string shown)
        {
            Assert.Equal("BaseUriInvalid", ex.Id.Name);
            Assert.Equal(shown, ex.Target);
            Assert.Contains(shown, ex.Message);
            foreach (var text in new[] { ex.Message, ex.Target?.ToString(), ex.RecommendedAction })
            {
                Assert.DoesNotContain("s3cret", text ?? string.Empty);
                Assert.DoesNotContain("alice", text ?? string.Empty);
            }
        }

        [Fact]
        public void A_non_http_address_is_invalid() =>
            Assert.Equal("BaseUriInvalid", Assert.ThrowsAny<NebulaVideoException>(() => Connection("x", Dialects.Unified, new Uri("ftp://example.com/"))).Id.Name);

        [Theory]
        [InlineData("https://ai.odkkk.com/apiv1", "https://ai.odkkk.com/apiv1/")]
        [InlineData("https://ai.odkkk.com/apiv1/", "https://ai.odkkk.com/apiv1/")]
        [InlineData("http://127.0.0.1:5080/apiv1", "http://127.0.0.1:5080/apiv1/")]
        [InlineData("https://llm.ai-nebula.com", "https://llm.ai-nebula.com/")]
        public void The_base_uri_keeps_its_path_prefix_and_ends_in_a_slash(string given, string expected)
        {
            var connection = Connection("x", Dialects.Unified, new Uri(given));
            Assert.Equal(expected, connection.BaseUri.AbsoluteUri);
            Assert.Equal(expected.TrimEnd('/') + "/v1/videos/generations", new Uri(connection.BaseUri, Dialects.Unified.SubmitPath).AbsoluteUri);
        }

        [Fact]
        public void An_empty_key_is_refused()
        {
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => new GatewayConnection("x", Dialects.Unified, UnifiedPublic, new SecureString(), "test"));
            Assert.Equal("ApiKeyMissing", ex.Id.Name);
        }

        [Fact]
        public void A_connection_serves_its_own_gateway_only()
        {
            var connection = Connection("x", Dialects.Unified, Emulator);
            Assert.True(connection.Serves(new Uri("http://127.0.0.1:5080/apiv1/")));
            Assert.True(connection.Serves(new Uri("http://127.0.0.1:5080/apiv1")));
            Assert.False(connection.Serves(new Uri("http://127.0.0.1:5081/apiv1/")));
            Assert.False(connection.Serves(new Uri("http://127.0.0.1:5080/")));
            Assert.False(connection.Serves(null));
        }
    }
}
