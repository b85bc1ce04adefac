# Native build for kcp-payplus, driven by node-gyp (scripts/build-native.mjs runs it on install).
#
# Why node-gyp and not cmake-js (the project's original plan named both): node-gyp ships inside npm, so an
# `npm install` / `npm ci` needs nothing from outside the npm registry; it builds offline against the
# headers of the installed Node (npm config nodedir=/usr -> /usr/include/node); and one description of
# the build (this file) is simpler to keep right than two. cmake-js would add a download and cmake.
#
# Targets (both land in build/Release/):
#   kcp_payplus_spawn.node  the spawn addon (native/addon): vfork + execve on its own thread, raw argv bytes
#   pp_cli_standin          the stand-in pp_cli (native/standin/pp_cli.c), used by tests, simulator, demo
{
  'targets': [
    {
      'target_name': 'kcp_payplus_spawn',
      'sources': ['native/addon/addon.cc', 'native/addon/spawn.cc'],
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
      ],
      'defines': ['NAPI_VERSION=8', '_GNU_SOURCE'],
      # Hidden by default: the addon exports only napi_register_module_v1 (NAPI_MODULE_EXPORT), so its own
      # symbols and node-addon-api's never interpose on, or get interposed by, another library's.
      'cflags': ['-fvisibility=hidden'],
      'cflags_cc': ['-Wall', '-Wextra', '-fvisibility=hidden', '-fvisibility-inlines-hidden'],
      'xcode_settings': { 'GCC_SYMBOLS_PRIVATE_EXTERN': 'YES' },
    },
    {
      'target_name': 'pp_cli_standin',
      'type': 'executable',
      'sources': ['native/standin/pp_cli.c'],
      'cflags_c': ['-std=c11', '-O2'],
    },
  ],
}
