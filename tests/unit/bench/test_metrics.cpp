// Prometheus text and the server-side figures derived from it.
#include <tpuplan/bench/server_metrics.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan::bench;

TEST_CASE("Prometheus text is parsed with labels dropped and series summed", "[bench]") {
  const auto s = parse_prometheus(
      "# HELP vllm:num_requests_running Running.\n"
      "# TYPE vllm:num_requests_running gauge\n"
      "vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 3\n"
      "vllm:num_requests_running{engine=\"1\",model_name=\"a \\\"quoted} name\"} 4.5\n"
      "  tgi_queue_size 2 1700000000000\n"
      "vllm:time_to_first_token_seconds_bucket{le=\"+Inf\"} 7\n"
      "weird_value NaN\n"
      "not a metric line\n"
      "\n");
  REQUIRE(s.count("vllm:num_requests_running"));
  CHECK(s.at("vllm:num_requests_running").sum == 7.5);
  CHECK(s.at("vllm:num_requests_running").series == 2);
  CHECK(s.at("tgi_queue_size").sum == 2); // a timestamp after the value is ignored
  CHECK(s.at("vllm:time_to_first_token_seconds_bucket").sum == 7);
  CHECK(s.count("not") == 0);
  CHECK(has_known_metrics(s));
  CHECK_FALSE(has_known_metrics(parse_prometheus("go_goroutines 12\n")));
}

TEST_CASE("server TTFT, ITL and queue means come from histogram sums differenced over the level", "[bench]") {
  ServerMetricsCollector c;
  c.before(parse_prometheus("vllm:time_to_first_token_seconds_sum 10\nvllm:time_to_first_token_seconds_count 100\n"
                            "vllm:inter_token_latency_seconds_sum 5\nvllm:inter_token_latency_seconds_count 1000\n"
                            "vllm:time_per_output_token_seconds_sum 99\nvllm:time_per_output_token_seconds_count 1\n"
                            "vllm:prefix_cache_queries_total 1000\nvllm:prefix_cache_hits_total 100\n"
                            "vllm:generation_tokens_total 5000\n"));
  c.after(parse_prometheus("vllm:time_to_first_token_seconds_sum 12\nvllm:time_to_first_token_seconds_count 110\n"
                           "vllm:inter_token_latency_seconds_sum 6\nvllm:inter_token_latency_seconds_count 1050\n"
                           "vllm:time_per_output_token_seconds_sum 99\nvllm:time_per_output_token_seconds_count 1\n"
                           "vllm:prefix_cache_queries_total 2000\nvllm:prefix_cache_hits_total 400\n"
                           "vllm:generation_tokens_total 6280\n"));
  c.sample(parse_prometheus("vllm:num_requests_running 4\nvllm:num_requests_waiting 1\nvllm:kv_cache_usage_perc{engine=\"0\"} 0.5\nvllm:kv_cache_usage_perc{engine=\"1\"} 0.7\n"));
  c.sample(parse_prometheus("vllm:num_requests_running 8\nvllm:num_requests_waiting 3\nvllm:kv_cache_usage_perc 0.9\n"));
  const auto m = c.result();
  CHECK(*m.ttft_ms_mean == Approx(200));     // 2 s over 10 requests
  CHECK(*m.itl_ms_mean == Approx(20));       // the newer name wins over the deprecated one
  CHECK(*m.prefix_cache_hit_rate == Approx(0.3));
  CHECK(*m.generation_tokens == 1280);
  CHECK(*m.running_mean == 6);
  CHECK(*m.running_max == 8);
  CHECK(*m.waiting_mean == 2);
  CHECK(*m.kv_cache_usage_mean == Approx((0.6 + 0.9) / 2)); // a fraction is averaged over engines
  CHECK(*m.kv_cache_usage_max == Approx(0.9));
  CHECK(m.samples == 2);
  CHECK_FALSE(m.e2e_ms_mean); // not exposed: absent
}

TEST_CASE("llama.cpp's ITL comes from its decode-seconds and token counters", "[bench]") {
  ServerMetricsCollector c;
  c.before(parse_prometheus("llamacpp:tokens_predicted_total 100\nllamacpp:tokens_predicted_seconds_total 1\n"));
  c.after(parse_prometheus("llamacpp:tokens_predicted_total 300\nllamacpp:tokens_predicted_seconds_total 5\n"));
  const auto m = c.result();
  CHECK(*m.itl_ms_mean == Approx(20));
  CHECK(*m.generation_tokens == 200);
}
