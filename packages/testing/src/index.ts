export { ScriptedModel, callTool, delegate, finish, transfer, respond, type ScriptedTurn, type ScriptedToolCall, type UnusedTurn } from "./scripted-model.js";
