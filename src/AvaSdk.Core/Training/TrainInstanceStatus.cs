namespace AvaSdk
{
    public enum TrainInstanceStatus
    {
        Running,
        Done,
        Failed,
    }
}
