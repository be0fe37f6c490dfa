// overhead.cpp — synclab_interpose_overhead: what the interposer costs a
// program on the uncontended path, against glibc's mutex called directly.
//
//   synclab_interpose_overhead [--rounds N] [--ops N] [--interposer PATH] [--plugin PATH]
//
// One thread locks and unlocks one pthread mutex `ops` times (a second,
// sleeping thread makes the process multi-threaded, as every measured program
// is) and reports ns per lock/unlock pair. Every configuration is a fresh process of this same
// program (LD_PRELOAD and SYNCLAB_* in its environment); the configurations
// run one after the other in each round, rounds repeat, and each line shows
// the median over the rounds with the spread (min-max), and the difference
// from glibc called directly, so machine noise hits every configuration alike.
// The pairs: glibc direct; the interposer passing through to glibc
// (pthread_mutex, statistics off and on); the interposer running futex_mutex3
// (off and on); futex_mutex3 through the plugin ABI (the control plugin).
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Config {
  const char* label;
  const char* lock;  // nullptr: no interposer
  const char* stats;
};

// A second thread that only sleeps: glibc skips the atomic instructions of
// its mutex while a process has one thread, and no program measured here has
// only one, so every configuration runs multi-threaded.
void start_idle_thread() {
  static int fds[2];
  if (pipe(fds) != 0) return;
  pthread_t idle;
  pthread_create(
      &idle, nullptr,
      [](void*) -> void* {
        char c;
        while (read(fds[0], &c, 1) < 0) {
        }
        return nullptr;
      },
      nullptr);
  pthread_detach(idle);
}

double time_pairs(long ops) {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  start_idle_thread();
  for (long i = 0; i < ops / 10; ++i) {  // warm up: code, TLS, the mutex's first use
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
  }
  timespec a{}, b{};
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < ops; ++i) {
    pthread_mutex_lock(&m);
    asm volatile("" ::: "memory");
    pthread_mutex_unlock(&m);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (static_cast<double>(b.tv_sec - a.tv_sec) * 1e9 + static_cast<double>(b.tv_nsec - a.tv_nsec)) /
         static_cast<double>(ops);
}

// Runs this program as a child in `config`; its ns per pair, or -1.
double run_child(const std::string& self, const Config& config, const std::string& interposer,
                 const std::string& plugin, long ops) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0 && std::strncmp(*e, "SYNCLAB_", 8) != 0) env.emplace_back(*e);
  if (config.lock != nullptr) {
    env.push_back("LD_PRELOAD=" + interposer);
    env.push_back(std::string("SYNCLAB_LOCK=") + (std::strcmp(config.lock, "plugin") == 0 ? plugin : config.lock));
    env.push_back(std::string("SYNCLAB_INTERPOSE_STATS=") + config.stats);
  }
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (std::string& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string ops_text = std::to_string(ops);
  char child_flag[] = "--child";
  std::vector<char*> argv{const_cast<char*>(self.c_str()), child_flag, ops_text.data(), nullptr};
  int fds[2];
  if (pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    return -1;
  }
  char buffer[128] = {};
  const ssize_t n = read(fds[0], buffer, sizeof buffer - 1);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return std::strtod(buffer, nullptr);
}

std::string beside_self(const std::string& self, const char* name) {
  const auto slash = self.rfind('/');
  return (slash == std::string::npos ? std::string(".") : self.substr(0, slash)) + "/" + name;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "synclab_interpose_overhead: error: %s\n", why);
  std::exit(2);
}

long positive(const char* flag, const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 1) usage((std::string(flag) + " needs a positive number").c_str());
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--child") == 0) {
    std::printf("%.4f\n", time_pairs(positive("--child", argv[2])));
    return 0;
  }
  char self_path[PATH_MAX];
  const ssize_t len = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
  if (len <= 0) usage("cannot find this program's own path");
  self_path[len] = '\0';
  const std::string self = self_path;
  std::string interposer = beside_self(self, "libsynclab_interpose.so");
  std::string plugin = beside_self(self, "libsynclab_control_plugin.so");
  long rounds = 7, ops = 20'000'000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("unknown or incomplete argument " + a).c_str());
    if (a == "--rounds") rounds = positive("--rounds", argv[++i]);
    else if (a == "--ops") ops = positive("--ops", argv[++i]);
    else if (a == "--interposer") interposer = argv[++i];
    else if (a == "--plugin") plugin = argv[++i];
    else usage(("unknown argument " + a).c_str());
  }
  const std::vector<Config> configs = {
      {"glibc, called directly", nullptr, nullptr},
      {"interposer: pthread_mutex (glibc), stats off", "pthread_mutex", "off"},
      {"interposer: pthread_mutex (glibc), stats on", "pthread_mutex", "on"},
      {"interposer: futex_mutex3, stats off", "futex_mutex3", "off"},
      {"interposer: futex_mutex3, stats on", "futex_mutex3", "on"},
      {"interposer: futex_mutex3_abi (plugin), stats off", "plugin", "off"},
  };
  std::vector<std::vector<double>> samples(configs.size());
  for (long r = 0; r < rounds; ++r) {
    for (std::size_t c = 0; c < configs.size(); ++c) {
      const double ns = run_child(self, configs[c], interposer, plugin, ops);
      if (ns < 0) usage((std::string("the child for '") + configs[c].label + "' failed (is " + interposer +
                         " built?)").c_str());
      samples[c].push_back(ns);
    }
  }
  std::printf("uncontended lock+unlock of one pthread mutex, one thread: %ld pairs x %ld rounds, median (min-max)\n",
              ops, rounds);
  double base = 0;
  for (std::size_t c = 0; c < configs.size(); ++c) {
    std::vector<double>& s = samples[c];
    std::sort(s.begin(), s.end());
    const double median = s[s.size() / 2];
    if (c == 0) base = median;
    std::printf("  %-48s %7.2f ns  (%.2f-%.2f)  %+6.2f ns vs glibc direct\n", configs[c].label, median, s.front(),
                s.back(), median - base);
  }
  return 0;
}
