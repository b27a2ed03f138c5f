/**
 * The package's front door (`import … from 'gconnect-express'`): what a host can use today, the
 * app factory and the server that wires it. The mountable API (createGconnect) replaces this.
 */
export { createApp, type AppConfig, type AppDeps, type GsiPageOptions } from './app.js';
export { ConfigError, loadConfig, type Config, type LoadConfigOptions } from './config.js';
export { startServer, type RunningServer, type StartOptions } from './start.js';
