export { sqliteStore, DEFAULT_STORE_PATH } from "./sqlite-store.js";
