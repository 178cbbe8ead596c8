package main

import (
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// The simulator finishes every task before the call that started it returns, so a client's progress
// reporting, failure handling and timeouts could never be exercised against it. vSphere's API has tasks
// whose state the client drives itself: TaskManager.CreateTask, then Task.UpdateProgress and
// Task.SetTaskState. The simulator lacks those three methods; they are added here with vSphere's semantics.

// taskManager wraps the simulator's TaskManager to add CreateTask.
type taskManager struct {
	*simulator.TaskManager
}

// clientTask is a task driven by the client that created it.
type clientTask struct {
	*simulator.Task
}

func installClientTasks() {
	ref := types.ManagedObjectReference{Type: "TaskManager", Value: "TaskManager"}
	if m, ok := simulator.Map.Get(ref).(*simulator.TaskManager); ok {
		simulator.Map.Put(&taskManager{m})
	}
}

func (m *taskManager) CreateTask(req *types.CreateTask) soap.HasFault {
	task := simulator.CreateTask(req.Obj, req.TaskTypeId, nil)
	task.Info.Cancelable = req.Cancelable
	simulator.Map.Put(&clientTask{task})
	return &methods.CreateTaskBody{Res: &types.CreateTaskResponse{Returnval: task.Info}}
}

func (t *clientTask) UpdateProgress(req *types.UpdateProgress) soap.HasFault {
	body := &methods.UpdateProgressBody{}
	if t.Info.State != types.TaskInfoStateRunning {
		body.Fault_ = simulator.Fault("task is not running", &types.InvalidState{})
		return body
	}
	simulator.Map.Update(t.Task, []types.PropertyChange{{Name: "info.progress", Val: req.PercentDone}})
	body.Res = &types.UpdateProgressResponse{}
	return body
}

func (t *clientTask) SetTaskState(req *types.SetTaskState) soap.HasFault {
	changes := []types.PropertyChange{{Name: "info.state", Val: req.State}}
	switch req.State {
	case types.TaskInfoStateRunning:
		changes = append(changes, types.PropertyChange{Name: "info.startTime", Val: time.Now()})
	case types.TaskInfoStateSuccess, types.TaskInfoStateError:
		changes = append(changes, types.PropertyChange{Name: "info.completeTime", Val: time.Now()})
		if req.Result != nil {
			changes = append(changes, types.PropertyChange{Name: "info.result", Val: req.Result})
		}
		if req.Fault != nil {
			changes = append(changes, types.PropertyChange{Name: "info.error", Val: *req.Fault})
		}
	}
	simulator.Map.Update(t.Task, changes)
	return &methods.SetTaskStateBody{Res: &types.SetTaskStateResponse{}}
}
